// Explorer: initialization vs depth. Predicts the std of each layer's activations of a deep,
// square, bias-free MLP with the variance recursion (mean-field), not by sampling a network:
//   q_1 = n·Var(W)·E[x²],   q_{l+1} = n·Var(W)·E[φ(h)²],   h ~ N(0, q_l),   x ~ N(0, 1).
// It is deterministic and costs a few thousand operations per layer, so depth 1000 stays live.
// The page's torch reference runs the same recursion and also measures real float32 networks.
(function () {
  const FLOAT32_MAX = 3.4028234663852886e38;
  const FLOAT32_TINY = 1.1754943508222875e-38; // smallest normal float32
  const GAINS = { linear: 1, tanh: 5 / 3, relu: Math.SQRT2 }; // nn.init.calculate_gain
  // Trapezoid rule for E[f(√q·z)], z ~ N(0, 1), on the same grid as the Python reference.
  const Z = Array.from({ length: 4001 }, (_, i) => -10 + i * 0.005);
  const WEIGHTS = Z.map((z) => (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * 0.005);

  function weightVariance(scheme, n, activation, sigma) {
    if (scheme === "normal") return sigma * sigma;
    if (scheme === "xavier") return 1 / n; // xavier_uniform_, gain 1, square layer
    if (scheme === "kaiming") return GAINS[activation] ** 2 / n; // kaiming_normal_(nonlinearity=activation)
    return 1 / (3 * n); // nn.Linear's default: kaiming_uniform_(a=√5) = U(±1/√n)
  }

  // Per-layer std (index 0 = layer 1), stopping at the first overflow or underflow.
  function predict(scheme, activation, n, depth, sigma) {
    const gain = n * weightVariance(scheme, n, activation, sigma);
    let secondMoment = 1;
    const std = [];
    for (let layer = 1; layer <= depth; layer++) {
      const q = gain * secondMoment;
      let mean = 0;
      if (activation === "tanh") {
        const s = Math.sqrt(q);
        secondMoment = Z.reduce((acc, z, i) => acc + WEIGHTS[i] * Math.tanh(s * z) ** 2, 0);
      } else if (activation === "relu") {
        secondMoment = q / 2;
        mean = Math.sqrt(q / (2 * Math.PI));
      } else {
        secondMoment = q;
      }
      const sd = Math.sqrt(Math.max(secondMoment - mean * mean, 0));
      if (!(sd <= FLOAT32_MAX)) return { std, overflowAt: layer, underflowAt: null };
      if (sd < FLOAT32_TINY) return { std, overflowAt: null, underflowAt: layer };
      std.push(sd);
    }
    return { std, overflowAt: null, underflowAt: null };
  }

  function init(root) {
    const E = window.Explorers;
    const widget = E.replaceStaticFigure(root);
    const controls = E.part(widget, "div", "explorer-controls");
    const depth = E.slider(controls, { id: "init-depth", label: "depth (layers)", min: 1, max: 1000, step: 1, value: 50, onInput: update });
    const width = E.slider(controls, { id: "init-width", label: "width n", min: 16, max: 1024, step: 16, value: 256, onInput: update });
    const scheme = E.select(controls, {
      id: "init-scheme", label: "scheme", value: "normal", onInput: update,
      options: [["normal", "normal (σ)"], ["xavier", "Xavier uniform"], ["kaiming", "Kaiming normal"], ["default", "PyTorch default"]],
    });
    const logSigma = E.slider(controls, { id: "init-log-sigma", label: "σ (normal only), log₁₀", min: -4, max: 1, step: 0.05, value: 0, onInput: update });
    const activation = E.select(controls, {
      id: "init-activation", label: "activation", value: "linear", onInput: update,
      options: [["linear", "linear"], ["tanh", "tanh"], ["relu", "ReLU"]],
    });

    const readout = E.part(widget, "p", "explorer-readout", { "aria-live": "polite" });

    const W = 420, H = 280, M = { l: 44, r: 10, t: 24, b: 32 };
    const svg = E.svgEl(widget, "svg", { viewBox: `0 0 ${W} ${H}`, class: "explorer-svg", role: "img", "aria-label": "activation std per layer, log scale" });
    E.svgEl(svg, "text", { x: W / 2, y: 15, "text-anchor": "middle", class: "explorer-title" }).textContent = "activation std per layer (log scale)";
    E.svgEl(svg, "rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "explorer-frame" });
    const ticks = E.svgEl(svg, "g");
    const line = E.svgEl(svg, "polyline", { class: "explorer-path" });
    const marker = E.svgEl(svg, "line", { class: "explorer-overflow" });
    const markerText = E.svgEl(svg, "text", { class: "explorer-overflow-text", "text-anchor": "end" });
    E.svgEl(svg, "text", { x: (M.l + W - M.r) / 2, y: H - 4, "text-anchor": "middle" }).textContent = "layer";

    function update() {
      const n = +width.input.value, L = +depth.input.value, sigma = 10 ** +logSigma.input.value;
      depth.out.value = L;
      width.out.value = n;
      logSigma.out.value = `σ=${E.fmt(sigma, 2)}`;
      logSigma.input.disabled = scheme.value !== "normal";
      const r = predict(scheme.value, activation.value, n, L, sigma);

      // y axis: log10 std over the finite layers, padded, within float32's range.
      const logs = r.std.map(Math.log10);
      const lo = Math.floor(Math.min(-1, ...logs)), hi = Math.ceil(Math.max(1, ...logs));
      const x = E.scale(0, L, M.l, W - M.r), y = E.scale(lo - 0.5, hi + 0.5, H - M.b, M.t);
      ticks.replaceChildren();
      const every = Math.max(1, Math.ceil((hi - lo) / 6));
      for (let t = lo; t <= hi; t += every) E.svgEl(ticks, "text", { x: M.l - 4, y: y(t) + 4, "text-anchor": "end" }).textContent = `1e${t}`;
      for (const t of [0, Math.round(L / 2), L]) E.svgEl(ticks, "text", { x: x(t), y: H - M.b + 13, "text-anchor": "middle" }).textContent = t;
      line.setAttribute("points", logs.map((v, i) => `${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`).join(" "));

      const stop = r.overflowAt ?? r.underflowAt;
      marker.style.display = markerText.style.display = stop ? "" : "none";
      let status = "finite", text;
      if (r.overflowAt) {
        status = "overflow";
        text = `Overflow at layer ${r.overflowAt}: the std passes float32's largest number, 3.4e38`;
      } else if (r.underflowAt) {
        status = "underflow";
        text = `Underflow at layer ${r.underflowAt}: the std drops below float32's smallest normal number, 1.2e-38`;
      } else {
        text = `std after layer ${L}: ${E.fmt(r.std[L - 1])} (input std 1)`;
      }
      if (stop) {
        for (const [k, v] of Object.entries({ x1: x(stop), x2: x(stop), y1: M.t, y2: H - M.b })) marker.setAttribute(k, v);
        markerText.setAttribute("x", Math.max(x(stop) - 4, M.l + 150));
        markerText.setAttribute("y", M.t + 16);
        markerText.textContent = `${status} at layer ${stop}`;
      }
      readout.textContent = `n·Var(W) = ${E.fmt(n * weightVariance(scheme.value, n, activation.value, sigma))}. ${text}.`;
      readout.classList.toggle("explorer-alarm", Boolean(stop));
      root.dataset.status = status;
      root.dataset.result = JSON.stringify(r);
    }
    update();
  }

  (window.explorerInits = window.explorerInits || {})["init-depth"] = init;
  if (window.Explorers) window.Explorers.initAll();
})();
