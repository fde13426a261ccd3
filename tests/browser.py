"""Serve a built site on localhost and audit its pages in Debian's Chromium through Playwright."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.sitebuild import ROOT

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PHONE_WIDTH = 375
DESKTOP_WIDTH = 1280
MIN_FIGURE_TEXT_PX = 9  # snippets.figures.MIN_TEXT_PX
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # axe-core, vendored from npm (test-only)


def page_url_path(source: str) -> str:
    """docs/a/b.md -> a/b/ and docs/a/index.md -> a/ (MkDocs' directory URLs)."""
    stem = source.rsplit(".", 1)[0]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """The directory over HTTP on a free localhost port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("Debian's chromium is not installed: apt-get install chromium (.ci/run does this)")
    return path


@dataclass
class Recorder:
    """What a page did on the network and in its console while it loaded."""

    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, context, page) -> None:
        context.route("**/*", self._route)
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"HTTP {r.status} {r.url}"))
        page.on("requestfailed", lambda r: urlparse(r.url).hostname in LOCAL_HOSTS
                and self.failed.append(f"failed {r.url}: {r.failure}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught error: {e}"))

    def _route(self, route) -> None:
        url = route.request.url
        if urlparse(url).scheme in {"http", "https"} and urlparse(url).hostname not in LOCAL_HOSTS:
            self.external.append(url)
            route.abort()  # never let a request leave the machine
        else:
            route.continue_()

    def problems(self) -> list[str]:
        return [f"external request: {url}" for url in self.external] + self.failed + self.errors


# Runs in the page: everything a reader would see wrong that the network log cannot show.
_PAGE_CHECKS = """() => {
  const problems = [];
  const article = document.querySelector("article") || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll("pre, code, .katex, script, style, svg").forEach((e) => e.remove());
  for (const raw of ["$$", "\\\\(", "\\\\["]) {
    if (prose.innerText.includes(raw)) problems.push(`raw math delimiter ${raw} left in the text`);
  }
  const math = article.querySelectorAll(".arithmatex");
  const typeset = [...math].filter((e) => e.querySelector(".katex"));
  if (typeset.length !== math.length) problems.push(`${math.length - typeset.length} of ${math.length} formulas not typeset`);
  article.querySelectorAll(".katex-error").forEach((e) => problems.push(`KaTeX error: ${e.title || e.textContent}`));
  article.querySelectorAll("img").forEach((img) => {
    if (!img.complete || img.naturalWidth === 0) problems.push(`image not loaded: ${img.getAttribute("src")}`);
  });
  article.querySelectorAll("figure svg").forEach((svg, i) => {
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) problems.push(`figure ${i + 1} has no size`);
  });
  article.querySelectorAll("pre > code").forEach((code, i) => {
    if (code.textContent.trim() === "") problems.push(`code block ${i + 1} is empty`);
  });
  return { problems, math: math.length, typeset: typeset.length };
}"""

# Elements wider than the phone screen, other than those inside something meant to scroll sideways.
_OVERFLOW_CHECK = """(width) => {
  const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
  const offenders = [];
  // Skip what the reader cannot see: KaTeX's MathML copy (for screen readers) and shapes inside an
  // SVG, whose boxes ignore clipping; the <svg> element itself is still checked.
  for (const e of document.querySelectorAll("article *")) {
    if (e.closest(".katex-mathml") || (e.ownerSVGElement && e.tagName.toLowerCase() !== "svg")) continue;
    const box = e.getBoundingClientRect();
    if (box.right <= width + 1 || box.width === 0) continue;
    let parent = e.parentElement, contained = false;
    while (parent && parent !== document.body) {
      if (scrolls(parent) && parent.getBoundingClientRect().right <= width + 1) { contained = true; break; }
      parent = parent.parentElement;
    }
    if (!contained) offenders.push(`${e.tagName.toLowerCase()}.${e.className} reaches ${Math.round(box.right)}px`);
  }
  return [...new Set(offenders)].slice(0, 5);
}"""


# Every tab panel and collapsed block shown, so hidden code is measured too (restored after).
_SHOW_ALL = """() => {
  const style = document.createElement("style");
  style.id = "audit-show-all";
  style.textContent = ".tabbed-set > .tabbed-content > .tabbed-block { display: block !important; }";
  document.head.append(style);
  const closed = [...document.querySelectorAll("article details:not([open])")];
  closed.forEach((d) => { d.open = true; });
  return closed.length;
}"""
_HIDE_AGAIN = """() => {
  document.getElementById("audit-show-all")?.remove();
  document.querySelectorAll("article details[open]").forEach((d) => { d.open = false; });
}"""

# At desktop width: every code line and printed line fits its column (nothing scrolls sideways).
_CODE_FIT_CHECK = """() => {
  const cut = [];
  document.querySelectorAll("article pre > code").forEach((code, i) => {
    if (code.clientWidth === 0 || code.scrollWidth <= code.clientWidth + 1) return;
    const lines = code.textContent.split("\\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    const kind = code.closest(".exec-output") ? "output" : "code";
    cut.push(`${kind} block ${i + 1} is cut: needs ${code.scrollWidth}px, column is ${code.clientWidth}px ` +
             `(longest line, ${longest.length} chars: ${JSON.stringify(longest.slice(0, 60))})`);
  });
  return cut;
}"""

# On a phone: whatever scrolls sideways shows that it scrolls (a scroll shadow), nothing is cut,
# and every figure's text renders at a legible size.
_PHONE_CHECKS = """(minTextPx) => {
  const problems = [];
  const scrollers = "article pre > code, article .katex-display, article .md-typeset__scrollwrap, article .mpl-figure--wide";
  let scrolling = 0;
  for (const e of document.querySelectorAll(scrollers)) {
    if (e.clientWidth === 0 || e.scrollWidth <= e.clientWidth + 1) continue;
    scrolling += 1;
    const style = getComputedStyle(e);
    const math = e.classList.contains("katex-display")
      ? ` equation ${JSON.stringify((e.querySelector("annotation")?.textContent || "").trim().slice(0, 50))}` : "";
    const what = `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}${math}`;
    if (!["auto", "scroll"].includes(style.overflowX)) {
      problems.push(`${what} is cut silently: ${e.scrollWidth}px of content in ${e.clientWidth}px`);
    } else if (!style.backgroundImage.includes("radial-gradient")) {
      problems.push(`${what} scrolls (${e.scrollWidth}px in ${e.clientWidth}px) with no visible cue`);
    }
  }
  document.querySelectorAll("article figure svg[data-font-pt]").forEach((svg, i) => {
    const shown = svg.getBoundingClientRect().width;
    const intrinsic = svg.viewBox.baseVal.width;
    const px = Number(svg.dataset.fontPt) * shown / intrinsic;
    if (px < minTextPx) {
      const caption = svg.closest("figure").querySelector("figcaption")?.textContent || "";
      problems.push(`figure ${i + 1} (${JSON.stringify(caption.slice(0, 50))}): text renders at ` +
                    `${px.toFixed(1)}px (${svg.dataset.fontPt}pt drawn ${intrinsic.toFixed(0)}pt wide, ` +
                    `shown ${shown.toFixed(0)}px wide), below ${minTextPx}px`);
    }
  });
  return { problems, scrolling };
}"""


def axe_contrast(page) -> list[str]:
    """WCAG 2.1 AA colour contrast of everything visible, by axe-core: element, ratio, colours."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => {
      const result = await axe.run(document, { runOnly: { type: "rule", values: ["color-contrast"] },
                                               resultTypes: ["violations"] });
      return result.violations.flatMap((v) => v.nodes.map((n) => {
        const data = (n.any[0] || {}).data || {};
        return `${n.target.join(" ")}: contrast ${data.contrastRatio}:1 (${data.fgColor} on ` +
               `${data.bgColor}, ${data.fontSize} ${data.fontWeight}), needs ${data.expectedContrastRatio}`;
      }));
    }""")
    return [f"contrast: {v}" for v in violations]


def _wait_for_math(page, timeout_ms: int = 5_000) -> None:
    """Give KaTeX time to typeset: on a loaded machine it can finish after the network is idle.
    A formula still raw after the timeout is reported by _PAGE_CHECKS."""
    try:
        page.wait_for_function(
            r"""() => [...document.querySelectorAll(".arithmatex, .jp-RenderedMarkdown")].every(
                 (e) => e.querySelector(".katex, .katex-error") || !/\\[([]|\$/.test(e.textContent))""",
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        pass


@dataclass
class PageAudit:
    url: str
    problems: list[str]
    math_elements: int


def audit_page(browser, url: str, screenshot: Path | None = None, *, reading: bool = True) -> PageAudit:
    """Load one page at desktop and phone width and collect every problem a reader would hit.

    With ``reading``: also every cut code or output line at 1280 px, text contrast (light
    palette; tests/test_browser.py runs the dark one), and on a phone every sideways scroller
    without a cue and every figure whose text renders below MIN_FIGURE_TEXT_PX."""
    context = browser.new_context(viewport={"width": DESKTOP_WIDTH, "height": 900})
    page = context.new_page()
    recorder = Recorder()
    recorder.attach(context, page)
    response = page.goto(url, wait_until="networkidle")
    problems = [] if response and response.status == 200 else [f"page answered {response and response.status}"]
    _wait_for_math(page)
    checks = page.evaluate(_PAGE_CHECKS)
    problems += checks["problems"]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    if reading:
        problems += axe_contrast(page)
        page.evaluate(_SHOW_ALL)
        problems += [f"at {DESKTOP_WIDTH}px: {cut}" for cut in page.evaluate(_CODE_FIT_CHECK)]
        page.evaluate(_HIDE_AGAIN)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.wait_for_timeout(200)
    problems += [f"wider than a {PHONE_WIDTH}px phone: {o}" for o in page.evaluate(_OVERFLOW_CHECK, PHONE_WIDTH)]
    if reading:
        page.evaluate(_SHOW_ALL)
        phone = page.evaluate(_PHONE_CHECKS, MIN_FIGURE_TEXT_PX)
        problems += [f"at {PHONE_WIDTH}px: {p}" for p in phone["problems"]]
    context.close()
    return PageAudit(url, recorder.problems() + problems, checks["math"])
