"""MkDocs hook: the reader's build settings, and the labs made to read like the rest of the site.

- ``SITE_URL`` in the environment replaces ``site_url`` (the Pages workflow knows the address;
  a local build keeps mkdocs.yml's default), so instant navigation works where the site is served.
- ``OFFLINE=1`` turns on Material's offline plugin: the build is the downloadable archive that
  browses from ``file://``, with navigation and search.

- Search finds the page, not the lab: every code cell of a lab (its source, its outputs and
  the copy button's text) is marked ``data-search-exclude``, which Material's search plugin
  honours (it indexes only the lab's prose), and the lab's prose is ranked below the pages
  (``LAB_SEARCH_BOOST``), so a query for a term or an API name leads to the page that explains it.
- Labs link back to the pages they extend: a lab's Markdown links to ``../chapter/page.md``
  (which Jupyter and GitHub follow too) become the built page's URL, like MkDocs does for
  Markdown pages; a link to a missing page fails the build naming the lab.
- Lab figures follow the palette: each lab draws its figures as SVG in the ink colour
  ``LAB_INK`` (set in the lab's first cell, ``docs/labs/*.py``); here that colour becomes
  ``currentColor`` and the SVG is labelled as an image, as ``snippets/figures.py`` does for the
  pages' figures. A lab figure still drawn in the default black or white fails the build.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

@event_priority(100)  # before the offline plugin reads its own setting
def on_config(config):
    if os.environ.get("SITE_URL"):
        config.site_url = os.environ["SITE_URL"]
    if os.environ.get("OFFLINE", "").lower() in {"1", "true", "yes"}:
        offline = config.plugins.get("material/offline") or config.plugins.get("offline")
        if offline is None:
            raise PluginError("OFFLINE=1 needs Material's offline plugin in mkdocs.yml `plugins`")
        offline.config.enabled = True
    return config


LAB_PAGES = "labs/*"
LAB_INK = "#010203"
LAB_SEARCH_BOOST = 0.3  # Material's per-page search boost; pages have 1  # the same sentinel as snippets/figures.py
_CODE_CELL = re.compile(r'<div class="jp-Cell jp-CodeCell\b')
_SVG_OUTPUT = re.compile(r'(<div class="jp-RenderedSVG[^"]*"[^>]*>\s*)(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE[^>]*>\s*)?(<svg\b)(.*?</svg>)', re.DOTALL)
_MD_LINK = re.compile(r'href="(?P<path>(?![a-z]+:)[^"#]+\.md)(?P<anchor>#[^"]*)?"')
_HARD_INK = re.compile(r'(?:stroke|fill|color)(?:="|:\s*)(#000000|#ffffff|black|white)\b', re.IGNORECASE)


def is_lab(page) -> bool:
    src = PurePosixPath(page.file.src_uri)
    return src.match(LAB_PAGES) and src.suffix in {".py", ".ipynb"}


@event_priority(-100)  # after overrides/hooks/labs.py put its buttons in
def on_page_content(content: str, page, config, files) -> str:
    if not is_lab(page):
        return content
    where = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
    page.meta["search"] = {**(page.meta.get("search") or {}), "boost": LAB_SEARCH_BOOST}
    content = _CODE_CELL.sub(lambda m: m[0].replace("<div ", "<div data-search-exclude ", 1), content)

    def recolour(match: re.Match) -> str:
        svg = match[3].replace(LAB_INK, "currentColor")
        hard = _HARD_INK.search(svg)
        if hard:
            raise PluginError(
                f"{where}: a lab figure is drawn in {hard[1]} ({hard[0]!r}); draw it in the palette "
                "ink (the lab's first cell sets it) so it reads on the dark palette too"
            )
        return f'{match[1]}{match[2]} role="img"{svg}'

    def relink(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), match["path"]))
        file = files.get_file_from_path(target)
        if file is None:
            raise PluginError(f"{where}: links to {match['path']}, which is not a page of this site")
        return f'href="{get_relative_url(file.url, page.url)}{match["anchor"] or ""}"'

    content = _MD_LINK.sub(relink, content)
    return _SVG_OUTPUT.sub(recolour, content)
