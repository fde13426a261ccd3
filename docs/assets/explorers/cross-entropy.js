// Explorer: cross-entropy. A fixed p against q = softmax(z); drag a q bar or move a logit slider.
// Works with log q = z − logsumexp(z), so no probability is ever rounded to 0 and no log(0) or
// NaN can appear, even at the sliders' extremes.
(function () {
  const RANGE = 8; // logits run from −8 to 8

  function logSoftmax(z) {
    const top = Math.max(...z);
    const lse = top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0));
    return z.map((v) => v - lse);
  }

  function information(p, z) {
    const logQ = logSoftmax(z);
    const entropy = -p.reduce((s, pi) => s + pi * Math.log(pi), 0);
    const crossEntropy = -p.reduce((s, pi, i) => s + pi * logQ[i], 0);
    const kl = p.reduce((s, pi, i) => s + pi * (Math.log(pi) - logQ[i]), 0);
    return { q: logQ.map(Math.exp), entropy, crossEntropy, kl };
  }

  function init(root) {
    const E = window.Explorers;
    const p = JSON.parse(root.dataset.p);
    const widget = E.replaceStaticFigure(root);
    const controls = E.part(widget, "div", "explorer-controls");
    const sliders = p.map((_, i) =>
      E.slider(controls, { id: `ce-z${i}`, label: `logit z${i}`, min: -RANGE, max: RANGE, step: 0.1, value: 0, onInput: update }));

    const readout = E.part(widget, "p", "explorer-readout", { "aria-live": "polite" });
    const panels = E.part(widget, "div", "explorer-panels");

    const W = 320, H = 240, M = { l: 36, r: 10, t: 22, b: 30 };
    // Bars: p (grey) and q (blue) side by side per class; drag a q bar to set that q.
    const bars = E.svgEl(panels, "svg", { viewBox: `0 0 ${W} ${H}`, class: "explorer-svg explorer-draggable", role: "img", "aria-label": "p and q per class" });
    E.svgEl(bars, "text", { x: W / 2, y: 14, "text-anchor": "middle", class: "explorer-title" }).textContent = "p (grey) and q (blue): drag a blue bar";
    const x = E.scale(0, p.length, M.l, W - M.r), y = E.scale(0, 1, H - M.b, M.t);
    E.svgEl(bars, "rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "explorer-frame" });
    for (const t of [0, 0.5, 1]) E.svgEl(bars, "text", { x: M.l - 4, y: y(t) + 4, "text-anchor": "end" }).textContent = t;
    const qBars = p.map((pi, i) => {
      E.svgEl(bars, "rect", { x: x(i + 0.15), width: x(0.35) - x(0), y: y(pi), height: y(0) - y(pi), class: "explorer-bar-p" });
      E.svgEl(bars, "text", { x: x(i + 0.5), y: H - M.b + 14, "text-anchor": "middle" }).textContent = `class ${i}`;
      return E.svgEl(bars, "rect", { x: x(i + 0.5), width: x(0.35) - x(0), class: "explorer-bar-q" });
    });
    let dragged = null;
    function dragTo(event) {
      // Solve softmax(z)_i = target for z_i with the other logits fixed: z_i = log(t·S/(1 − t)).
      const target = Math.max(1e-3, Math.min(1 - 1e-3, (y(0) - E.svgPoint(bars, event).y) / (y(0) - y(1))));
      const others = sliders.reduce((s, sl, j) => (j === dragged ? s : s + Math.exp(+sl.input.value)), 0);
      const z = Math.log((target * others) / (1 - target));
      sliders[dragged].input.value = Math.max(-RANGE, Math.min(RANGE, z));
      update();
    }
    qBars.forEach((bar, i) => bar.addEventListener("pointerdown", (e) => { dragged = i; bars.setPointerCapture(e.pointerId); dragTo(e); }));
    bars.addEventListener("pointermove", (e) => dragged !== null && dragTo(e));
    bars.addEventListener("pointerup", () => (dragged = null));

    // Stacked bar: H(p, q) = H(p) + KL(p‖q), drawn as two pieces of one bar.
    const stack = E.svgEl(panels, "svg", { viewBox: `0 0 ${W} ${H}`, class: "explorer-svg", role: "img", "aria-label": "H(p, q) = H(p) + KL(p‖q)" });
    E.svgEl(stack, "text", { x: W / 2, y: 14, "text-anchor": "middle", class: "explorer-title" }).textContent = "H(p, q) = H(p) + KL(p‖q), in nats";
    const hBar = E.svgEl(stack, "rect", { x: 20, height: 60, y: 70, class: "explorer-bar-p" });
    const klBar = E.svgEl(stack, "rect", { height: 60, y: 70, class: "explorer-kl" });
    const hText = E.svgEl(stack, "text", { x: 20, y: 150 });
    const klText = E.svgEl(stack, "text", { y: 170, class: "explorer-overflow-text" });
    const totalText = E.svgEl(stack, "text", { x: 20, y: 60 });
    const axisText = E.svgEl(stack, "text", { x: W - 20, y: 200, "text-anchor": "end" });

    function update() {
      const z = sliders.map((sl) => +sl.input.value);
      sliders.forEach((sl, i) => (sl.out.value = E.fmt(z[i], 2)));
      const info = information(p, z);
      info.q.forEach((qi, i) => { qBars[i].setAttribute("y", y(qi)); qBars[i].setAttribute("height", y(0) - y(qi)); });
      // The bar's full length is H(p, q) rounded up to a whole nat (at least 2).
      const top = Math.max(2, Math.ceil(info.crossEntropy));
      const sx = E.scale(0, top, 20, W - 20);
      hBar.setAttribute("width", sx(info.entropy) - sx(0));
      klBar.setAttribute("x", sx(info.entropy));
      klBar.setAttribute("width", Math.max(0, sx(info.entropy + info.kl) - sx(info.entropy)));
      axisText.textContent = `bar scale: 0 to ${top} nats`;
      hText.textContent = `H(p) = ${E.fmt(info.entropy)}`;
      klText.setAttribute("x", Math.min(sx(info.entropy), W - 130));
      klText.textContent = `KL(p‖q) = ${E.fmt(info.kl)}`;
      totalText.textContent = `H(p, q) = ${E.fmt(info.crossEntropy)}`;
      readout.textContent =
        `q = (${info.q.map((v) => E.fmt(v, 3)).join(", ")}). H(p) = ${E.fmt(info.entropy)}, ` +
        `H(p, q) = ${E.fmt(info.crossEntropy)}, KL(p‖q) = ${E.fmt(info.kl)} nats; ` +
        `H(p) + KL = ${E.fmt(info.entropy + info.kl)}.`;
      root.dataset.result = JSON.stringify(info);
    }
    update();
  }

  (window.explorerInits = window.explorerInits || {})["cross-entropy"] = init;
  if (window.Explorers) window.Explorers.initAll();
})();
