"""Static reading checks (no browser): what the reader sees of a page's code, output and figures.

Each returns a list of problems, every one naming the page, the element and the measured value,
so tests/test_reading.py and the deliberately broken page of tests/test_browser.py share them.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from pytest_codeblocks import extract_from_file

from pagecode.rules import EXEC_FENCE, expand_includes, find_snippet, include_lines, is_executed, page_name

MAX_LINE = 80  # DEVELOPERS.md: shown code lines and printed lines are at most 80 characters
MAX_UNFOLDED_LISTING = 20  # lines of code a page may show, unfolded, before its first output
_SOURCE_OPTION = re.compile(r'\bsource="(?P<value>[^"]*)"')


def long_shown_code_lines(markdown: Path) -> list[str]:
    """Lines longer than MAX_LINE in every code block the reader sees on the page: display-only
    fences, and executed fences that show their source (hidden lines removed, includes expanded)."""
    page = page_name(markdown)
    problems = []
    for block in extract_from_file(markdown):
        options = block.syntax or ""
        match = EXEC_FENCE.match("```" + options)
        if match and is_executed(match["options"]):
            source = _SOURCE_OPTION.search(match["options"])
            if not source or source["value"] in {"", "no", "off", "false"}:
                continue  # markdown-exec shows only what this block prints
        code = expand_includes(block.code, page, block.lineno) if "--8<--" in block.code else block.code
        for offset, line in enumerate(code.splitlines(), start=1):
            if "markdown-exec: hide" in line or len(line) <= MAX_LINE:
                continue
            where = f"{page}:{block.lineno + offset}" if "--8<--" not in block.code else f"{page}:{block.lineno}"
            problems.append(f"{where}: shown code line of {len(line)} chars: {line.strip()[:60]!r}")
    return problems


def article(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser").find("article")


def long_printed_lines(page: str, html: str) -> list[str]:
    """Printed output lines (overrides/hooks/outputs.py marks them .exec-output) over MAX_LINE."""
    problems = []
    for number, output in enumerate(article(html).select(".exec-output code"), start=1):
        for line in output.get_text().splitlines():
            if len(line) > MAX_LINE:
                problems.append(f"{page}: output {number}: printed line of {len(line)} chars: {line[:60]!r}")
    return problems


_HARD_PAINT = re.compile(r"(?:^|;)\s*(stroke|fill)\s*:\s*(#000000|#000|#ffffff|#fff|black|white)\b", re.I)


def hard_coded_ink(page: str, html: str) -> list[str]:
    """Figure shapes painted black or white, which vanish on one of the two palettes."""
    problems = []
    for number, svg in enumerate(article(html).select("figure svg, .jp-RenderedSVG svg"), start=1):
        figure = svg.find_parent("figure")
        caption = figure.figcaption.get_text() if figure is not None and figure.figcaption else ""
        for element in svg.find_all(True):
            paints = [(name, element.get(name, "")) for name in ("stroke", "fill")]
            paints += [(m[1], m[2]) for m in _HARD_PAINT.finditer(element.get("style", ""))]
            for name, value in paints:
                if value.lower() in {"#000000", "#000", "#ffffff", "#fff", "black", "white"}:
                    group = element if element.get("id") else element.find_parent(id=True)
                    ident = group.get("id") if group is not None else "the svg"
                    problems.append(f"{page}: figure {number} ({caption[:40]!r}): <{element.name}> in {ident} has {name} {value}")
    return problems


def picture_and_folding(page: str, html: str) -> list[str]:
    """The key figure comes before the page's second section, and the reader meets a number or a
    picture before any unfolded code listing longer than MAX_UNFOLDED_LISTING lines."""
    body = article(html)
    problems = []
    order = body.find_all(["h2", "figure", "pre"])
    sections = [e for e in order if e.name == "h2"]
    figures = [e for e in order if e.name == "figure"]
    if figures and len(sections) >= 2 and order.index(figures[0]) > order.index(sections[1]):
        problems.append(f"{page}: first figure comes after the second section {sections[1].get_text().strip(' ¶')!r}")
    if not figures:
        problems.append(f"{page}: no figure")
    for element in body.find_all(["pre", "figure"]):
        if element.name == "figure" or element.find_parent(class_="exec-output") is not None:
            break  # the first result the reader sees
        folded = element.find_parent("details") is not None or _in_hidden_tab(element)
        lines = len(element.get_text().rstrip("\n").splitlines())
        if not folded and lines > MAX_UNFOLDED_LISTING:
            problems.append(f"{page}: an unfolded listing of {lines} lines comes before the first output")
            break
    return problems


def unfolded_module_listings(markdown: Path) -> list[str]:
    """Included helper modules longer than MAX_UNFOLDED_LISTING lines must sit in a collapsible
    block (``???``), with the import shown in the page's code (issue 13: machinery folded)."""
    page = page_name(markdown)
    lines = markdown.read_text(encoding="utf-8").split("\n")
    problems = []
    for number, target in include_lines(lines):
        path = find_snippet(target)
        if path is None or len(path.read_text(encoding="utf-8").splitlines()) <= MAX_UNFOLDED_LISTING:
            continue
        fence = next(i for i in range(number - 1, -1, -1) if lines[i].lstrip().startswith("```"))
        indent = len(lines[fence]) - len(lines[fence].lstrip())
        opener = next((lines[i] for i in range(fence - 1, -1, -1)
                       if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) < indent), "")
        if not opener.lstrip().startswith("???"):
            problems.append(f"{page}:{number}: {target} is listed unfolded; fold it in a '???' block")
    return problems


def _in_hidden_tab(element) -> bool:
    """Inside a tab that is not the first of its tab set (a tabbed-right block's code tab)."""
    block = element.find_parent(class_="tabbed-block")
    if block is None:
        return False
    return block.find_previous_sibling(class_="tabbed-block") is not None
