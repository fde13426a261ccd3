"""The built site: strict, offline, free of tracebacks, and the same on every build."""

from __future__ import annotations

import filecmp
import shutil
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse


from tests.sitebuild import ROOT, mkdocs_build, threads

# Files that embed the build date; everything else must be byte-identical between builds.
DATED_FILES = {"sitemap.xml", "sitemap.xml.gz"}


def test_the_strict_build_succeeds(site_build):
    result, _ = site_build
    assert result.returncode == 0, result.stdout + result.stderr


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class ResourceReferences(HTMLParser):
    """Every URL the browser would fetch by itself, without the reader clicking a link."""

    LOADING = {
        "script": ["src"], "img": ["src", "srcset"], "source": ["src", "srcset"], "iframe": ["src"],
        "audio": ["src"], "video": ["src", "poster"], "embed": ["src"], "object": ["data"],
        "input": ["src"], "track": ["src"], "image": ["href", "xlink:href"], "use": ["href", "xlink:href"],
    }

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") not in {"canonical", "alternate", "author", "license"}:
            self.urls.append(attributes.get("href") or "")
        for name in self.LOADING.get(tag, []):
            for url in re.split(r",\s*", attributes.get(name) or ""):
                self.urls.append(url.split(" ")[0])
        self.urls.extend(css_urls(attributes.get("style") or ""))

    def handle_data(self, data):
        self.urls.extend(css_urls(data) if "url(" in data or "@import" in data else [])


def css_urls(css: str) -> list[str]:
    return re.findall(r"""url\(\s*['"]?([^'")]+)""", css) + re.findall(r"""@import\s+['"]([^'"]+)""", css)


def is_external(url: str) -> bool:
    parsed = urlparse(url.strip())
    return bool(parsed.netloc) or parsed.scheme not in {"", "data"}


def test_no_page_or_stylesheet_loads_anything_from_another_host(site):
    offenders = []
    for page in html_pages(site):
        parser = ResourceReferences()
        parser.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(site)}: {url}" for url in parser.urls if is_external(url)]
    for stylesheet in site.rglob("*.css"):
        offenders += [f"{stylesheet.relative_to(site)}: {url}" for url in css_urls(stylesheet.read_text()) if is_external(url)]
    assert not offenders, "external resources:\n" + "\n".join(offenders)


def test_the_offline_scan_catches_external_resources():
    parser = ResourceReferences()
    parser.feed(
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css"><script src="//cdn.example/x.js"></script>'
        '<a href="https://arxiv.org/abs/1502.01852">a citation is fine</a><div style="background:url(http://x/y.png)"></div>'
    )
    assert [url for url in parser.urls if is_external(url)] == [
        "https://fonts.googleapis.com/css", "//cdn.example/x.js", "http://x/y.png"
    ]


def test_vendored_katex_has_every_font_its_stylesheet_names_first():
    katex = ROOT / "docs/assets/vendor/katex"
    woff2 = [url for url in css_urls((katex / "katex.min.css").read_text()) if url.endswith(".woff2")]
    assert woff2 and all((katex / url).is_file() for url in woff2)


def test_no_page_shows_a_traceback(site):
    shown = [str(p.relative_to(site)) for p in html_pages(site) if "Traceback (most recent call last)" in p.read_text()]
    assert not shown


def test_every_page_in_docs_is_built(site):
    sources = sorted(p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs").rglob("*.md"))
    for source in sources:
        built = site / source.parent / "index.html" if source.name == "index" else site / source / "index.html"
        assert built.is_file(), f"docs/{source}.md was not built"


def test_two_clean_builds_with_two_and_one_cpu_threads_are_byte_identical(site, tmp_path):
    # The first build (conftest.py) runs torch and the labs with two threads, and as many pages at
    # once as there are CPUs; this one with one thread and one page at a time: a printed number
    # that depends on the thread count (round-off), or a page whose output depends on what ran
    # beside it or before it, shows up as a difference.
    second = mkdocs_build(ROOT, tmp_path / "site", PAGECODE_JOBS="1", **threads(1))
    assert second.returncode == 0, second.stdout + second.stderr
    first_files = {p.relative_to(site) for p in site.rglob("*") if p.is_file()}
    second_files = {p.relative_to(tmp_path / "site") for p in (tmp_path / "site").rglob("*") if p.is_file()}
    assert first_files == second_files
    differing = [
        str(path) for path in sorted(first_files)
        if path.name not in DATED_FILES and not filecmp.cmp(site / path, tmp_path / "site" / path, shallow=False)
    ]
    assert not differing, f"files that differ between two builds: {differing}"


class LinksAndIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in ("id", "name"):
            if attributes.get(name):
                self.ids.add(attributes[name])


def broken_internal_links(site: Path) -> list[str]:
    site = site.resolve()
    parsed = {}
    for page in html_pages(site):
        parser = LinksAndIds()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page] = parser
    broken = []
    for page, parser in parsed.items():
        for href in parser.links:
            url = urlparse(href)
            if url.scheme or url.netloc:
                continue
            if not url.path:
                target = page
            elif url.path.startswith("/"):  # 404.html links from the site root
                target = (site / url.path.lstrip("/")).resolve()
            else:
                target = (page.parent / url.path).resolve()
            if target.is_dir():
                target = target / "index.html"
            if target not in parsed and not target.is_file():
                broken.append(f"{page.relative_to(site)}: {href} (no such file)")
            elif url.fragment and target in parsed and url.fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(site)}: {href} (no such anchor)")
    return broken


def test_every_internal_link_and_anchor_resolves(site):
    broken = broken_internal_links(site)
    assert not broken, "\n".join(broken)


def test_the_link_check_catches_a_broken_link_and_anchor(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    home = copy / "index.html"
    home.write_text(home.read_text(encoding="utf-8").replace(
        "</article>", '<a href="losses/nowhere/">x</a><a href="losses/entropy/#no-such-heading">y</a></article>'))
    assert broken_internal_links(copy) == [
        "index.html: losses/nowhere/ (no such file)",
        "index.html: losses/entropy/#no-such-heading (no such anchor)",
    ]


PAGE_WEIGHT_LIMIT_BYTES = 1_500_000  # issue 14's target for the heaviest page


def test_no_page_weighs_more_than_the_limit(site):
    """A page's HTML plus every script, stylesheet and image it loads (as `make bench` counts)."""
    from tests.bench import page_weights

    heavy = [(page, size) for page, size in page_weights(site) if size > PAGE_WEIGHT_LIMIT_BYTES]
    assert not heavy, heavy
