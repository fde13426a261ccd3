// Typeset only what pymdownx.arithmatex (generic mode) marked as math, so a "$" in prose
// or code is never mistaken for a delimiter. document$ fires on the first load and on
// every instant-navigation page change. A formula KaTeX cannot parse is logged with
// console.error, which the browser tests treat as a failure.
document$.subscribe(({ body }) => {
  for (const element of body.querySelectorAll(".arithmatex")) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
    });
  }
});
