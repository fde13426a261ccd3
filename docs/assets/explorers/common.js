// Shared helpers for the explorers (plain JS, no framework, no network).
// Each explorer script registers its init function; whichever script runs last starts them,
// so the load order of the two <script> tags does not matter. Material's instant navigation
// re-runs the page's scripts after swapping in the new page, and document$ fires; file:// pages
// have no instant navigation, so DOMContentLoaded (or the scripts themselves) start them.
// An explorer marks its root with data-ready, which makes a second init a no-op.
(function () {
  const SVG = "http://www.w3.org/2000/svg";

  function svgEl(parent, tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (parent) parent.appendChild(el);
    return el;
  }

  // Numbers for people: a few significant digits, and never "NaN" or "Infinity" on the page.
  function fmt(x, digits = 4) {
    if (!Number.isFinite(x)) return "—";
    if (x === 0) return "0";
    const a = Math.abs(x);
    return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
  }

  // One control row: a <label> for the input, the input, and any extra elements after it.
  function controlRow(parent, id, label, input, ...extra) {
    const row = document.createElement("div");
    row.className = "explorer-control";
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = label;
    row.append(lab, input, ...extra);
    parent.appendChild(row);
    return row;
  }

  // A labelled native range input: reachable with Tab, operable with the arrow keys.
  function slider(parent, { id, label, min, max, step, value, onInput }) {
    const input = document.createElement("input");
    Object.assign(input, { type: "range", id, min, max, step, value });
    const out = document.createElement("output");
    out.htmlFor = id;
    controlRow(parent, id, label, input, out);
    input.addEventListener("input", onInput);
    return { input, out };
  }

  function select(parent, { id, label, options, value, onInput }) {
    const input = document.createElement("select");
    input.id = id;
    for (const [v, text] of options) input.add(new Option(text, v, false, v === value));
    controlRow(parent, id, label, input);
    input.addEventListener("input", onInput);
    return input;
  }

  function checkbox(parent, { id, label, onInput }) {
    const row = document.createElement("div");
    row.className = "explorer-control explorer-check";
    const input = document.createElement("input");
    Object.assign(input, { type: "checkbox", id });
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = label;
    row.append(input, lab);
    parent.appendChild(row);
    input.addEventListener("input", onInput);
    return input;
  }

  // Linear map from a data interval onto a pixel interval.
  function scale(d0, d1, p0, p1) {
    return (v) => p0 + ((v - d0) / (d1 - d0)) * (p1 - p0);
  }

  // Pointer position in the SVG's own (viewBox) coordinates, whatever size it is drawn at.
  function svgPoint(svg, event) {
    const p = svg.createSVGPoint();
    p.x = event.clientX;
    p.y = event.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  // The static figure is for readers without scripts; the widget takes its place. It is removed,
  // not hidden: a hidden <figure> has no size, which the site's browser audit reports.
  function replaceStaticFigure(root) {
    root.querySelector(".explorer-static")?.remove();
    const widget = document.createElement("div");
    widget.className = "explorer-widget";
    root.appendChild(widget);
    return widget;
  }

  // A widget's building block: an element of the given class appended to parent.
  function part(parent, tag, className, attributes = {}) {
    const el = document.createElement(tag);
    el.className = className;
    for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
    parent.appendChild(el);
    return el;
  }

  // name -> init function; keyed by name, so re-running a script (instant navigation) replaces
  // its entry instead of adding another.
  const inits = (window.explorerInits = window.explorerInits || {});

  function initAll() {
    for (const [name, init] of Object.entries(inits)) {
      for (const root of document.querySelectorAll(`.explorer[data-explorer="${name}"]:not([data-ready])`)) {
        root.dataset.ready = "true";
        init(root);
      }
    }
  }

  window.Explorers = { svgEl, fmt, slider, select, checkbox, scale, svgPoint, part, replaceStaticFigure, initAll };
  if (!window.explorersSubscribed) {
    window.explorersSubscribed = true;
    if (typeof document$ !== "undefined") document$.subscribe(initAll);
    document.addEventListener("DOMContentLoaded", initAll);
  }
  initAll();
})();
