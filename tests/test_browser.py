"""Every page in a real browser: offline, typeset, error-free, readable on a phone and in both palettes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import yaml

import pytest

from tests.browser import PHONE_WIDTH, audit_page, axe_contrast, page_url_path, serve
from tests.reading import hard_coded_ink
from tests.sitebuild import ROOT, mkdocs_build, nav_pages, trimmed_project

SCREENSHOTS = ROOT / "test-output" / "screenshots"
PAGES = nav_pages()


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site) as url:
        yield url


def markdown_has_math(source: str) -> bool:
    text = (ROOT / "docs" / source).read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\s*```.*?^\s*```", "", text)  # math inside code is not math
    return bool(re.search(r"\$[^$\s][^$]*\$", text))


@pytest.mark.parametrize("source", PAGES)
def test_page_in_browser(browser, base_url, source):
    shot = SCREENSHOTS / (page_url_path(source).strip("/").replace("/", "__") or "index")
    audit = audit_page(browser, base_url + page_url_path(source), shot.with_suffix(".png"))
    assert not audit.problems, f"docs/{source}:\n  " + "\n  ".join(audit.problems)
    if source.endswith(".md") and markdown_has_math(source):
        assert audit.math_elements > 0, f"docs/{source} has math in its Markdown but none on the page"


def test_the_audit_catches_a_broken_page(browser, site, tmp_path):
    """A missing image, an external font and script, a JS error, a formula KaTeX cannot parse and
    an element wider than a phone are each reported."""
    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    page = broken / "index.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "</article>",
            '<img src="missing.png"><link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
            '<script src="https://cdn.example.org/library.js"></script>'
            '<script>throw new Error("deliberate page error")</script>'
            r'<p><span class="arithmatex">\(\frac{1}{\)</span></p><div style="width: 900px">wide</div></article>',
        ),
        encoding="utf-8",
    )
    with serve(broken) as url:
        problems = "\n".join(audit_page(browser, url).problems)
    assert "external request: https://fonts.googleapis.com/css?family=Roboto" in problems
    assert "external request: https://cdn.example.org/library.js" in problems
    assert re.search(r"HTTP 404 \S*missing\.png", problems)
    assert re.search(r"image not loaded: \S*missing\.png", problems)
    assert "deliberate page error" in problems
    assert "raw math delimiter \\( left in the text" in problems and "1 of " in problems
    assert re.search(r"wider than a 375px phone: div\. reaches 9\d\dpx", problems)


# The first result must be a page written about the query, in English or in the course's Chinese.
LOSS_PAGES = tuple(page_url_path(p) for p in PAGES if p.startswith("losses/") and not p.endswith("index.md"))
SEARCHES = {
    "cross-entropy": ("losses/kl-and-cross-entropy/", "losses/cross-entropy-loss/"),
    "Kaiming": ("initialization/kaiming/",),
    "交叉熵": ("losses/kl-and-cross-entropy/", "losses/cross-entropy-loss/"),
    "权值初始化": ("initialization/",),
    # Issue 13: the page that explains the term, never a lab's code.
    "nesterov": ("optimizers/nesterov/", "optimizers/momentum/", "optimizers/sgd/"),
    "momentum": ("optimizers/momentum/",),
    "xavier": ("initialization/xavier/",),
    "CrossEntropyLoss": ("losses/cross-entropy-loss/",),
    "add_param_group": ("optimizers/homework-3/", "optimizers/anatomy/"),
    "softmax": LOSS_PAGES,
}


@pytest.mark.parametrize(("query", "expected_pages"), SEARCHES.items())
def test_search_finds_the_right_page(browser, base_url, query, expected_pages):
    page = browser.new_page()
    page.goto(base_url, wait_until="networkidle")
    page.click(".md-search__input")
    page.fill(".md-search__input", query)
    page.press(".md-search__input", "End")  # Material searches on key events, which fill() does not send
    first = page.wait_for_selector(".md-search-result__item a", timeout=10_000)
    found = first.get_attribute("href").removeprefix(base_url).split("?")[0]
    page.close()
    assert found in expected_pages, f"search for {query!r} led first to {found}"


def contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted([luminance(rgb_a), luminance(rgb_b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_palette_toggle_switches_and_figures_stay_readable(browser, base_url):
    page = browser.new_page()
    page.goto(base_url + "losses/entropy/", wait_until="networkidle")
    seen = []
    for _ in range(2):
        scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        colors = page.evaluate("""() => {
            const figure = document.querySelector('figure.mpl-figure');
            return { ink: getComputedStyle(figure).color,
                     background: getComputedStyle(document.querySelector('.md-main')).backgroundColor
                                 || getComputedStyle(document.body).backgroundColor,
                     page: getComputedStyle(document.body).backgroundColor };
        }""")
        assert page.locator("figure.mpl-figure svg [style*='currentColor']").count() > 0
        seen.append(scheme)
        ratio = contrast(colors["ink"], colors["page"])
        assert ratio >= 4.5, f"figure ink {colors['ink']} on {colors['page']} in {scheme}: contrast {ratio:.1f}"
        page.click("form[data-md-component=palette] label:visible")
        page.wait_for_timeout(300)
    page.close()
    assert seen == ["default", "slate"]


@pytest.mark.parametrize("source", PAGES)
def test_page_contrast_on_the_dark_palette(browser, base_url, source):
    """The light palette is checked in test_page_in_browser; the reader's system may ask for dark."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    page.goto(base_url + page_url_path(source), wait_until="networkidle")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    problems = axe_contrast(page)
    context.close()
    assert not problems, f"docs/{source} (dark palette):\n  " + "\n  ".join(problems)


def test_a_nav_link_does_not_reload_the_document(browser, site):
    """Instant navigation: Material fetches the next page and swaps the content in place.

    Material intercepts only links listed in sitemap.xml, whose URLs carry site_url; it maps
    their scheme and host to the page's but keeps their port. So the site is served, through
    Playwright's routing, at the address mkdocs.yml's site_url names (where `mkdocs serve` runs)."""
    site_url = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def from_site(route):
        path = site / urlparse(route.request.url).path.lstrip("/")
        path = path / "index.html" if path.is_dir() else path
        if path.is_file():
            route.fulfill(path=str(path))
        else:
            route.fulfill(status=404, body="not found")

    context.route(site_url + "**", from_site)
    page = context.new_page()
    page.goto(site_url + "losses/", wait_until="networkidle")
    page.evaluate("window.__notReloaded = true")
    page.locator(".md-sidebar--primary a.md-nav__link[href$='losses/entropy/']").first.click()
    page.wait_for_url("**/losses/entropy/", timeout=10_000)
    page.wait_for_function("document.querySelector('article h1')?.textContent.toLowerCase().includes('entropy')")
    still_there = page.evaluate("window.__notReloaded === true")
    context.close()
    assert still_there, "following a nav link reloaded the whole document (instant navigation is off)"


def test_a_tap_opens_the_figure_full_size(browser, base_url):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, has_touch=True)
    page = context.new_page()
    page.goto(base_url + "losses/entropy/", wait_until="networkidle")
    figure = page.locator("article figure.mpl-figure svg").first
    figure.scroll_into_view_if_needed()
    shown = figure.bounding_box()["width"]
    figure.tap()
    zoomed = page.wait_for_selector(".figure-zoom svg", timeout=5_000).bounding_box()["width"]
    page.keyboard.press("Escape")
    closed = page.locator(".figure-zoom").count() == 0
    context.close()
    assert zoomed > shown * 1.15, f"the full-size figure is {zoomed:.0f}px wide, the page's {shown:.0f}px"
    assert closed


BROKEN_PAGE = """# A page a reader cannot read

```python exec="on" source="above" result="text" session="broken-reader"
print("a printed line far too long for the column: " + "0123456789" * 10)
```

<p style="color: #c8c8c8">Pale grey text on the white page.</p>

```python exec="on" html="1" session="broken-reader"
import matplotlib.pyplot as plt
import snippets.figures
from snippets.figures import figure_html
snippets.figures.legible_on_a_phone = lambda fig: None  # what a page without it would show
fig, ax = plt.subplots(figsize=(14, 4))
ax.plot([0, 1], [0, 1], color="black")
ax.set_title("six-point text on a wide figure", fontsize=6)
print(figure_html(fig, "unreadable on a phone"))
```
"""


def test_the_reader_checks_catch_a_broken_page(browser, tmp_path):
    """A cut output line at 1280 px, a contrast failure, a figure whose text is too small on a
    phone and a black stroke in a figure each fail, naming the element and the measured value."""
    project = trimmed_project(tmp_path, {"index.md": BROKEN_PAGE})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert any("has stroke #000000" in p for p in hard_coded_ink("docs/index.md", html))
    with serve(tmp_path / "site") as url:
        problems = "\n".join(audit_page(browser, url).problems)
    assert re.search(r"at 1280px: output block 2 is cut: needs \d+px, column is \d+px \(longest line, 144 chars", problems), problems
    assert re.search(r"contrast: p: contrast 1\.\d+:1 \(#c8c8c8 on #ffffff", problems), problems
    assert re.search(r'at 375px: figure 1 \("unreadable on a phone"\): text renders at [0-4]\.\dpx', problems), problems


LAB_PAGES = [source for source in PAGES if source.startswith("labs/") and source.endswith(".ipynb")]
JUPYTER_CSS = ("index.css", "theme-light.css", "theme-dark.css")  # mkdocs-jupyter's template assets


def selector_classes(css: str) -> set[str]:
    """Every class a stylesheet's selectors name."""
    selectors = re.sub(r"\{[^{}]*\}", "", re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL))
    return set(re.findall(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)", selectors))


def jupyter_stylesheet_classes() -> set[str]:
    import mkdocs_jupyter

    assets = Path(mkdocs_jupyter.__file__).parent / "templates" / "mkdocs_html" / "assets"
    return selector_classes("".join((assets / name).read_text(encoding="utf-8") for name in JUPYTER_CSS))


@pytest.mark.parametrize("source", LAB_PAGES)
def test_no_script_adds_a_class_whose_rules_the_lab_page_dropped(browser, base_url, site, source):
    """overrides/hooks/labs.py drops JupyterLab style rules that need a class no element of the
    built page has (other than Material's md- classes, which its scripts add). That is sound only
    while no script adds another such class later: load the page, scroll it, switch the palette,
    and look at every element's classes."""
    built = (site / page_url_path(source) / "index.html").read_text(encoding="utf-8")
    static = {name for value in re.findall(r'\bclass="([^"]*)"', built) for name in value.split()}
    kept = selector_classes("".join(re.findall(r"<style[^>]*>(.*?)</style>", built, flags=re.DOTALL)))
    assert len(jupyter_stylesheet_classes() - kept) > 500  # the stylesheet was pruned (widgets, dialogs, ...)
    dropped = {name for name in jupyter_stylesheet_classes() - static if not name.startswith("md-")}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + page_url_path(source), wait_until="load")
        page.mouse.wheel(0, 100_000)
        page.click("form[data-md-component=palette] label:visible")
        page.wait_for_timeout(300)
        live = set(page.evaluate("[...document.querySelectorAll('*')].flatMap(e => [...e.classList])"))
    finally:
        page.close()
    assert not live & dropped, f"docs/{source}: a script added {sorted(live & dropped)}, whose rules were dropped"
