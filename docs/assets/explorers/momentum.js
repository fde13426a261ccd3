// Explorer: learning rate and momentum on f(x, y) = 4x² + (4/κ)y² and on the course's y = 4x².
// The update is PyTorch's SGD, in double precision like the page's torch.float64 reference:
//   v ← βv + g;  θ ← θ − lr·v            (heavy ball, momentum=β)
//   v ← βv + g;  θ ← θ − lr·(g + βv)     (nesterov=True)
(function () {
  const STEPS = 100;
  const DIVERGED = 1e8; // |θ| past this counts as diverged (starts are within 2.5 of the minimum)
  const CURVATURE = 8; // y = 4x² has y'' = 8; the 2-D quadratic's curvatures are 8 and 8/κ
  const BOX = 2.5; // both position plots show [−2.5, 2.5]

  // Runs SGD from `start` on curvatures `h2` (one per coordinate, f = Σ h2·θ²).
  // Returns the visited points and, if it blew up, the step at which it did.
  function descend(lr, beta, nesterov, h2, start) {
    let theta = start.slice();
    const v = theta.map(() => 0);
    const path = [theta.slice()];
    for (let step = 1; step <= STEPS; step++) {
      // g = h2·(2θ), written in the order torch's autograd evaluates it (bitwise-equal numbers).
      theta = theta.map((t, i) => {
        const g = h2[i] * (2 * t);
        v[i] = beta * v[i] + g;
        return t - lr * (nesterov ? g + beta * v[i] : v[i]);
      });
      path.push(theta.slice());
      if (theta.some((t) => !(Math.abs(t) <= DIVERGED))) return { path, divergedAt: step };
    }
    return { path, divergedAt: null };
  }

  const loss = (h2, p) => p.reduce((s, t, i) => s + h2[i] * t * t, 0);
  const limit = (beta, nesterov) => (2 * (1 + beta)) / (nesterov ? 1 + 2 * beta : 1) / CURVATURE;
  function optimal(kappa) {
    const rootK = Math.sqrt(kappa);
    return {
      lr: (2 / (Math.sqrt(CURVATURE) + Math.sqrt(CURVATURE / kappa))) ** 2,
      beta: ((rootK - 1) / (rootK + 1)) ** 2,
    };
  }

  function init(root) {
    const E = window.Explorers;
    const widget = E.replaceStaticFigure(root);
    const controls = E.part(widget, "div", "explorer-controls");
    const s = {
      lr: E.slider(controls, { id: "mom-lr", label: "learning rate lr", min: 0.001, max: 1, step: 0.001, value: 0.1, onInput: update }),
      beta: E.slider(controls, { id: "mom-beta", label: "momentum β", min: 0, max: 0.99, step: 0.01, value: 0.9, onInput: update }),
      kappa: E.slider(controls, { id: "mom-kappa", label: "condition number κ", min: 1, max: 100, step: 1, value: 10, onInput: update }),
      x0: E.slider(controls, { id: "mom-x0", label: "start x", min: -2.5, max: 2.5, step: 0.1, value: 2, onInput: update }),
      y0: E.slider(controls, { id: "mom-y0", label: "start y", min: -2.5, max: 2.5, step: 0.1, value: 2, onInput: update }),
    };
    const nesterov = E.checkbox(controls, { id: "mom-nesterov", label: "Nesterov (nesterov=True)", onInput: update });
    const best = document.createElement("button");
    best.type = "button";
    best.className = "md-button explorer-button";
    best.textContent = "Use the optimal (lr, β) for this κ";
    best.addEventListener("click", () => {
      const o = optimal(+s.kappa.input.value);
      s.lr.input.value = o.lr;
      s.beta.input.value = o.beta;
      update();
    });
    controls.appendChild(best);

    const readout = E.part(widget, "p", "explorer-readout", { "aria-live": "polite" });

    const panels = E.part(widget, "div", "explorer-panels");
    const W = 320, H = 260, M = { l: 40, r: 10, t: 22, b: 30 };
    function panel(title, draggable = false) {
      const svg = E.svgEl(panels, "svg", { viewBox: `0 0 ${W} ${H}`, class: `explorer-svg${draggable ? " explorer-draggable" : ""}`, role: "img", "aria-label": title });
      E.svgEl(svg, "text", { x: W / 2, y: 14, class: "explorer-title", "text-anchor": "middle" }).textContent = title;
      return svg;
    }
    function axes(svg, xs, ys, xlabel, ylabel, xticks, yticks) {
      const g = E.svgEl(svg, "g", { class: "explorer-axes" });
      E.svgEl(g, "rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "explorer-frame" });
      for (const t of xticks) E.svgEl(g, "text", { x: xs(t), y: H - M.b + 12, "text-anchor": "middle" }).textContent = t.label ?? t;
      for (const t of yticks) E.svgEl(g, "text", { x: M.l - 4, y: ys(t.value ?? t) + 4, "text-anchor": "end" }).textContent = t.label ?? t;
      E.svgEl(g, "text", { x: (M.l + W - M.r) / 2, y: H - 2, "text-anchor": "middle" }).textContent = xlabel;
      E.svgEl(g, "text", { x: 10, y: (M.t + H - M.b) / 2, transform: `rotate(-90 10 ${(M.t + H - M.b) / 2})`, "text-anchor": "middle" }).textContent = ylabel;
    }
    const clipId = (name) => `mom-clip-${name}`;
    function plotArea(svg, name) {
      const clip = E.svgEl(E.svgEl(svg, "defs"), "clipPath", { id: clipId(name) });
      E.svgEl(clip, "rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b });
      return E.svgEl(svg, "g", { "clip-path": `url(#${clipId(name)})` });
    }

    // Panel 1: contours of the 2-D quadratic and the path; click or drag to move the start.
    const plane = panel("f(x, y) = 4x² + (4/κ)y²", true);
    const px = E.scale(-BOX, BOX, M.l, W - M.r), py = E.scale(-BOX, BOX, H - M.b, M.t);
    axes(plane, px, py, "x", "y", [-2, 0, 2], [-2, 0, 2]);
    const planeArea = plotArea(plane, "plane");
    const contours = E.svgEl(planeArea, "g", { class: "explorer-contours" });
    const path2 = E.svgEl(planeArea, "polyline", { class: "explorer-path" });
    const startDot = E.svgEl(planeArea, "circle", { r: 6, class: "explorer-start" });
    let dragging = false;
    function moveStart(event) {
      const p = E.svgPoint(plane, event);
      const clamp = (v) => Math.max(-BOX, Math.min(BOX, Math.round(v * 10) / 10));
      s.x0.input.value = clamp(((p.x - M.l) / (W - M.l - M.r)) * 2 * BOX - BOX);
      s.y0.input.value = clamp(BOX - ((p.y - M.t) / (H - M.t - M.b)) * 2 * BOX);
      update();
    }
    plane.addEventListener("pointerdown", (e) => { dragging = true; plane.setPointerCapture(e.pointerId); moveStart(e); });
    plane.addEventListener("pointermove", (e) => dragging && moveStart(e));
    plane.addEventListener("pointerup", () => (dragging = false));

    // Panel 2: the course's parabola, with the same optimizer started at x0.
    const para = panel("the course's y = 4x²");
    const qx = E.scale(-BOX, BOX, M.l, W - M.r), qy = E.scale(0, 4 * BOX * BOX, H - M.b, M.t);
    axes(para, qx, qy, "x", "y", [-2, 0, 2], [0, 10, 20]);
    const paraArea = plotArea(para, "para");
    const curve = [];
    for (let x = -BOX; x <= BOX + 1e-9; x += 0.05) curve.push(`${qx(x)},${qy(4 * x * x)}`);
    E.svgEl(paraArea, "polyline", { points: curve.join(" "), class: "explorer-curve" });
    const path1 = E.svgEl(paraArea, "polyline", { class: "explorer-path" });

    // Panel 3: loss per step, log scale, both problems.
    const lossPlot = panel("loss per step (log scale)");
    const lx = E.scale(0, STEPS, M.l, W - M.r), ly = E.scale(-12, 3, H - M.b, M.t);
    axes(lossPlot, lx, ly, "step", "log₁₀ loss", [0, 50, 100], [-12, -8, -4, 0]);
    const lossArea = plotArea(lossPlot, "loss");
    const loss2 = E.svgEl(lossArea, "polyline", { class: "explorer-path" });
    const loss1 = E.svgEl(lossArea, "polyline", { class: "explorer-path explorer-second" });
    E.svgEl(lossPlot, "text", { x: W - M.r - 4, y: M.t + 14, "text-anchor": "end", class: "explorer-legend explorer-first-text" }).textContent = "— 2-D quadratic";
    E.svgEl(lossPlot, "text", { x: W - M.r - 4, y: M.t + 28, "text-anchor": "end", class: "explorer-legend explorer-second-text" }).textContent = "— y = 4x²";

    // Panel 4: the (lr, β) plane with the stability boundary and the optimum; click to choose.
    const map = panel("(lr, β): stable left of the line", true);
    const mx = E.scale(0, 1, M.l, W - M.r), my = E.scale(0, 1, H - M.b, M.t);
    axes(map, mx, my, "learning rate", "β", [0, 0.5, 1], [0, 0.5, 1]);
    const mapArea = plotArea(map, "map");
    const unstable = E.svgEl(mapArea, "polygon", { class: "explorer-unstable" });
    const boundary = E.svgEl(mapArea, "polyline", { class: "explorer-boundary" });
    const star = E.svgEl(mapArea, "path", { class: "explorer-optimum" });
    const here = E.svgEl(mapArea, "circle", { r: 5, class: "explorer-start" });
    map.addEventListener("pointerdown", (e) => {
      const p = E.svgPoint(map, e);
      s.lr.input.value = Math.max(0.001, Math.min(1, (p.x - M.l) / (W - M.l - M.r)));
      s.beta.input.value = Math.max(0, Math.min(0.99, (H - M.b - p.y) / (H - M.t - M.b)));
      update();
    });

    const points = (xs, ys, list) => list.map(([a, b]) => `${xs(a).toFixed(1)},${ys(b).toFixed(1)}`).join(" ");
    // Far-off points are clamped so a diverging path is still drawn as a line leaving the box.
    const clampPix = (v) => Math.max(-1e4, Math.min(1e4, v));

    function update() {
      const lr = +s.lr.input.value, beta = +s.beta.input.value, kappa = +s.kappa.input.value;
      const start = [+s.x0.input.value, +s.y0.input.value];
      const nest = nesterov.checked;
      s.lr.out.value = E.fmt(lr, 3);
      s.beta.out.value = E.fmt(beta, 2);
      s.kappa.out.value = E.fmt(kappa, 3);
      s.x0.out.value = E.fmt(start[0], 2);
      s.y0.out.value = E.fmt(start[1], 2);

      const h2 = [CURVATURE / 2, CURVATURE / 2 / kappa];
      const run2 = descend(lr, beta, nest, h2, start);
      const run1 = descend(lr, beta, nest, [CURVATURE / 2], [start[0]]);

      contours.replaceChildren();
      for (const level of [0.5, 2, 8, 18, 32]) {
        E.svgEl(contours, "ellipse", {
          cx: px(0), cy: py(0),
          rx: px(Math.sqrt(level / h2[0])) - px(0), ry: py(0) - py(Math.sqrt(level / h2[1])),
        });
      }
      path2.setAttribute("points", points((v) => clampPix(px(v)), (v) => clampPix(py(v)), run2.path));
      startDot.setAttribute("cx", px(start[0]));
      startDot.setAttribute("cy", py(start[1]));
      path1.setAttribute("points", points((v) => clampPix(qx(v)), (v) => clampPix(qy(4 * v * v)), run1.path.map(([x]) => [x, x])));
      const logLoss = (run, hh) => run.path.map((p, k) => [k, Math.max(-13, Math.min(4, Math.log10(loss(hh, p))))]);
      loss2.setAttribute("points", points(lx, ly, logLoss(run2, h2)));
      loss1.setAttribute("points", points(lx, ly, logLoss(run1, [CURVATURE / 2])));

      const edge = [];
      for (let b = 0; b <= 1.0001; b += 0.01) edge.push([limit(b, nest), b]);
      boundary.setAttribute("points", points(mx, my, edge));
      unstable.setAttribute("points", points(mx, my, [...edge, [1.2, 1], [1.2, 0]]));
      const o = optimal(kappa);
      const [ox, oy] = [mx(o.lr), my(o.beta)];
      star.setAttribute("d", `M${ox - 6},${oy}L${ox + 6},${oy}M${ox},${oy - 6}L${ox},${oy + 6}M${ox - 4},${oy - 4}L${ox + 4},${oy + 4}M${ox - 4},${oy + 4}L${ox + 4},${oy - 4}`);
      here.setAttribute("cx", mx(lr));
      here.setAttribute("cy", my(beta));

      const status = run2.divergedAt ? "diverged" : lr >= limit(beta, nest) ? "unstable" : "converging";
      const describe = (run, hh) =>
        run.divergedAt
          ? `diverged at step ${run.divergedAt} (|θ| > 10⁸)`
          : `loss after ${STEPS} steps ${E.fmt(loss(hh, run.path[STEPS]))}`;
      readout.textContent =
        `Stable for lr < ${E.fmt(limit(beta, nest), 4)} at this β${nest ? " (Nesterov)" : ""}; ` +
        `optimal heavy ball for κ = ${kappa}: lr* = ${E.fmt(o.lr, 4)}, β* = ${E.fmt(o.beta, 4)}. ` +
        `2-D: ${describe(run2, h2)}. y = 4x²: ${describe(run1, [CURVATURE / 2])}.` +
        (status === "unstable" ? " Past the stability limit: |θ| grows without bound, if slowly." : "");
      readout.classList.toggle("explorer-alarm", status !== "converging");
      root.dataset.status = status;
      // Everything the browser test compares with the torch reference.
      root.dataset.result = JSON.stringify({ path2d: run2.path, path1d: run1.path.map(([x]) => x), divergedAt: run2.divergedAt });
    }
    update();
  }

  (window.explorerInits = window.explorerInits || {})["momentum"] = init;
  if (window.Explorers) window.Explorers.initAll();
})();
