"""What a reader sees, checked without a browser: line lengths, figure ink, page shape."""

from __future__ import annotations

import pytest

from tests.browser import page_url_path
from tests.reading import (
    hard_coded_ink,
    long_printed_lines,
    long_shown_code_lines,
    picture_and_folding,
    unfolded_module_listings,
)
from tests.sitebuild import ROOT, nav_pages

PAGES = nav_pages()
MARKDOWN_PAGES = [p for p in PAGES if p.endswith(".md")]
# Chapter pages that teach (not a chapter's index, exercises or the atlas): each leads with its picture.
TEACHING_PAGES = [
    p for p in MARKDOWN_PAGES
    if p.split("/")[0] in {"initialization", "losses", "optimizers"}
    and not p.endswith(("index.md", "exercises.md"))
]


def built(site, source: str) -> str:
    return (site / page_url_path(source) / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("source", MARKDOWN_PAGES)
def test_shown_code_lines_fit_80_columns(source):
    problems = long_shown_code_lines(ROOT / "docs" / source)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", MARKDOWN_PAGES)
def test_printed_lines_fit_80_columns(site, source):
    problems = long_printed_lines(f"docs/{source}", built(site, source))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", PAGES)
def test_figures_use_the_palette_ink(site, source):
    problems = hard_coded_ink(f"docs/{source}", built(site, source))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", TEACHING_PAGES)
def test_picture_first_machinery_folded(site, source):
    problems = picture_and_folding(f"docs/{source}", built(site, source))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", MARKDOWN_PAGES)
def test_helper_modules_are_folded(source):
    problems = unfolded_module_listings(ROOT / "docs" / source)
    assert not problems, "\n".join(problems)


def test_an_unfolded_module_listing_is_caught(tmp_path):
    module = "losses/cross_entropy_family.py"  # far longer than a screen
    page = tmp_path / "p.md"
    page.write_text(f'```python title="x"\n--8<-- "{module}"\n```\n\n??? info "folded"\n\n'
                    f'    ```python title="x"\n    --8<-- "{module}"\n    ```\n', encoding="utf-8")
    problems = unfolded_module_listings(page)
    assert len(problems) == 1 and problems[0].endswith(f"{module} is listed unfolded; fold it in a '???' block")


def test_the_static_checks_catch_what_they_promise():
    page = """<article><h2 id="a">Intuition</h2><h2 id="b">Derivation</h2>
    <div class="highlight"><pre><code>""" + "x = 1\n" * 25 + """</code></pre></div>
    <div class="exec-output"><pre><code>""" + "y" * 81 + """</code></pre></div>
    <figure class="mpl-figure"><svg><g id="patch_1"><path style="fill: #ffffff; stroke: #000000"/></g>
    <g id="line2d_1"><path stroke="black"/></g></svg><figcaption>cap</figcaption></figure></article>"""
    assert long_printed_lines("p.md", page) == ["p.md: output 1: printed line of 81 chars: " + repr("y" * 60)]
    assert hard_coded_ink("p.md", page) == [
        "p.md: figure 1 ('cap'): <path> in patch_1 has fill #ffffff",
        "p.md: figure 1 ('cap'): <path> in patch_1 has stroke #000000",
        "p.md: figure 1 ('cap'): <path> in line2d_1 has stroke black",
    ]
    assert picture_and_folding("p.md", page) == [
        "p.md: first figure comes after the second section 'Derivation'",
        "p.md: an unfolded listing of 25 lines comes before the first output",
    ]


def test_printed_results_are_marked_as_output_and_nothing_else_is():
    from overrides.hooks.outputs import mark_outputs

    page = "\n".join([
        '```python exec="on" source="above" result="text" session="s"',
        "print(1)",
        "```",
        '```python exec="off" result="text"',
        '```text title="a display-only block"',
    ])
    lines = mark_outputs(page).split("\n")
    assert lines[0] == '```python exec="on" source="above" result=\'{.text .exec-output title="Output"}\' session="s"'
    assert lines[3:] == page.split("\n")[3:]
