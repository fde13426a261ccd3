// The labs are notebooks rendered by mkdocs-jupyter, whose markdown cells keep their TeX as
// $...$ text (Jupyter's own convention) instead of arithmatex's \(...\). Typeset only inside
// those rendered markdown cells, never in code or outputs, with the same vendored KaTeX as the
// rest of the site (mkdocs-jupyter's MathJax comes from a CDN and is removed at build time).
document$.subscribe(({ body }) => {
  for (const cell of body.querySelectorAll(".jp-MarkdownCell .jp-RenderedMarkdown")) {
    renderMathInElement(cell, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
    });
  }
});
