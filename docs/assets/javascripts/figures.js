// A click or tap on a figure opens it full size over the page: the SVG at its own width,
// scrollable in both directions, closed by a click, the close button or Escape. Plain DOM, no
// fetch, so it works offline and from file://. One listener on the document serves every
// page, including pages reached by instant navigation.
const ZOOMABLE = ".mpl-figure svg, .jp-RenderedSVG svg";

function closeZoom() {
  document.querySelector(".figure-zoom")?.remove();
}

function openZoom(svg) {
  closeZoom();
  const overlay = document.createElement("div");
  overlay.className = "figure-zoom";
  overlay.setAttribute("role", "dialog");
  overlay.setAttribute("aria-label", svg.getAttribute("aria-label") || "Figure, full size");
  const close = document.createElement("button");
  close.className = "figure-zoom__close";
  close.type = "button";
  close.textContent = "Close ✕";
  const copy = svg.cloneNode(true);
  copy.removeAttribute("style"); // a wide figure's min-width is for the page, not this view
  copy.removeAttribute("id");
  overlay.append(close, copy);
  overlay.addEventListener("click", closeZoom);
  document.body.append(overlay);
  close.focus();
}

document.addEventListener("click", (event) => {
  const svg = event.target.closest?.(ZOOMABLE);
  if (svg && !svg.closest(".figure-zoom")) openZoom(svg);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeZoom();
});
