// Typeset math with the vendored KaTeX, only where math is known to be, so a "$" in prose,
// code or output is never mistaken for a delimiter. document$ fires on the first load and on
// every instant-navigation page change. A formula KaTeX cannot parse is logged with
// console.error, which the browser tests treat as a failure.
const MATH_TARGETS = [
  // Markdown pages: pymdownx.arithmatex (generic mode) wraps each formula as \(...\) or \[...\].
  {
    selector: ".arithmatex",
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  },
  // Labs: mkdocs-jupyter keeps a markdown cell's TeX as $...$ text (Jupyter's convention);
  // only rendered markdown cells are searched, never code or outputs.
  {
    selector: ".jp-MarkdownCell .jp-RenderedMarkdown",
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  },
];

function typeset(root) {
  for (const { selector, delimiters } of MATH_TARGETS) {
    for (const element of root.querySelectorAll(selector)) {
      renderMathInElement(element, { delimiters });
    }
  }
}

// document$ covers instant navigation, but never fires when a page is opened from file://, so
// the first page is also typeset on DOMContentLoaded. Typesetting twice is harmless: once
// rendered, a formula has no delimiters left for KaTeX to find.
document$.subscribe(({ body }) => typeset(body));
document.addEventListener("DOMContentLoaded", () => typeset(document.body));
