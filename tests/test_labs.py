"""The labs: jupytext sources that run on their own, executed at build time, shipped as notebooks.

The lab notebooks' own `assert` cells state their key results; the build executes every cell and
fails on any error, so the tests on the built site below also prove that each lab ran, in CI,
with all its checks passing.
"""

from __future__ import annotations

import ast
import html
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.sitebuild import ROOT, mkdocs_build, trimmed_project

LABS = ROOT / "docs" / "labs"
CHAPTERS = ["initialization", "losses", "optimizers"]
LAB_NAMES = [f"{chapter}_lab" for chapter in CHAPTERS]
# What a reader's fresh Jupyter has besides the standard library: the pinned requirements.
THIRD_PARTY_IMPORTS = {"torch", "matplotlib"}


def cell_markers(source: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), start=1) if line.startswith("# %%")]


def test_there_is_one_lab_per_chapter_and_each_is_in_the_nav():
    assert sorted(path.stem for path in LABS.glob("*.py")) == LAB_NAMES
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    labs_section = next(entry["Labs"] for entry in nav if isinstance(entry, dict) and "Labs" in entry)
    listed = [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in labs_section]
    assert listed == ["labs/index.md"] + [f"labs/{name}.py" for name in LAB_NAMES]


@pytest.mark.parametrize("name", LAB_NAMES)
def test_a_lab_is_a_percent_script_that_opens_with_its_title_and_ends_with_exercises(name):
    source = (LABS / f"{name}.py").read_text(encoding="utf-8")
    # Every cell starts at a marker, so a failing cell's number maps to a line of this file.
    assert source.startswith("# %% [markdown]\n# # ")
    assert "# ## Exercises" in source
    assert "# ### Solution 1" in source


@pytest.mark.parametrize("name", LAB_NAMES)
def test_a_lab_imports_only_the_standard_library_and_pinned_packages(name):
    tree = ast.parse((LABS / f"{name}.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    outside = imported - set(sys.stdlib_module_names)
    assert outside <= THIRD_PARTY_IMPORTS, f"{name} imports {outside - THIRD_PARTY_IMPORTS}"
    pinned = {line.split("==")[0].lower() for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    assert THIRD_PARTY_IMPORTS <= pinned


def built_lab(site: Path, name: str) -> tuple[str, nbformat.NotebookNode]:
    page = (site / "labs" / name / "index.html").read_text(encoding="utf-8")
    notebook = nbformat.read(site / "labs" / name / f"{name}.ipynb", as_version=4)
    return page, notebook


@pytest.mark.parametrize("name", LAB_NAMES)
def test_the_downloadable_notebook_ran_every_cell_in_order_without_errors(site, name):
    _, notebook = built_lab(site, name)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code_cells] == list(range(1, len(code_cells) + 1))
    outputs = [output for cell in code_cells for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output for output in outputs if output.get("name") == "stderr"], "a lab printed a warning"
    assert sum("image/png" in output.get("data", {}) for output in outputs) >= 2  # figures drawn
    assert len(notebook.cells) == len(cell_markers((LABS / f"{name}.py").read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", LAB_NAMES)
def test_the_downloadable_notebook_is_plain_and_stable(site, name):
    _, notebook = built_lab(site, name)
    assert notebook.metadata.kernelspec.name == "python3"
    assert "jupytext" not in notebook.metadata
    assert [cell.id for cell in notebook.cells] == [f"cell-{number}" for number in range(1, len(notebook.cells) + 1)]
    assert not [cell for cell in notebook.cells if "execution" in cell.metadata]  # no timestamps


@pytest.mark.parametrize("name", LAB_NAMES)
def test_the_page_shows_the_notebook_outputs_and_offers_download_and_colab(site, name):
    page, notebook = built_lab(site, name)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                first_line = output.text.splitlines()[0]
                assert html.escape(first_line, quote=False) in page, first_line

    assert f'<a class="md-button md-button--primary" href="{name}.ipynb" download>Download notebook</a>' in page
    repository = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["repository"]
    colab = repository.replace("https://github.com/", "https://colab.research.google.com/github/")
    assert f'href="{colab}/blob/gh-pages/labs/{name}/{name}.ipynb">Open in Colab</a>' in page
    assert page.index("</h1>") < page.index("Download notebook") < page.index('class="jp-Cell jp-CodeCell')  # under the title


@pytest.mark.parametrize("name", LAB_NAMES)
def test_the_page_loads_nothing_from_a_cdn_and_leaves_its_math_to_the_vendored_katex(site, name):
    page, _ = built_lab(site, name)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.DOTALL)
    # test_site.py checks src and href; an inline `import ... from "https://..."` would slip past it.
    assert not [script for script in scripts if re.search(r"""(?:import|from)\s*\(?\s*['"](?:https?:)?//""", script)]
    assert not [script for script in scripts if re.search(r"mathjax|mermaid|require", script, flags=re.IGNORECASE)]
    assert "cdnjs" not in page and "x-mathjax-config" not in page
    assert "assets/javascripts/katex-init.js" in page
    assert re.search(r'class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>.*?\$[^$]+\$', page, flags=re.DOTALL)


def lab_with_a_raising_cell() -> tuple[str, int, int]:
    """The initialization lab with its second code cell made to raise, and that cell's line and number."""
    source = (LABS / "initialization_lab.py").read_text(encoding="utf-8")
    lines = source.split("\n")
    markers = cell_markers(source)
    code_markers = [number for number in markers if lines[number - 1].strip() == "# %%"]
    line = code_markers[1]
    lines.insert(line, 'raise RuntimeError("deliberately broken cell")')
    return "\n".join(lines), line, markers.index(line) + 1


def test_a_raising_cell_fails_the_build_naming_the_lab_line_and_cell(tmp_path):
    source, line, cell = lab_with_a_raising_cell()
    project = trimmed_project(tmp_path, {"index.md": "# Home\n", "labs/initialization_lab.py": source})
    build = mkdocs_build(project, tmp_path / "site")
    log = build.stdout + build.stderr
    assert build.returncode != 0, log
    assert f"docs/labs/initialization_lab.py:{line}: cell {cell} raised RuntimeError: deliberately broken cell" in log, log
    assert 'raise RuntimeError("deliberately broken cell")' in log  # the failing cell's source
    assert "\x1b[" not in log  # without IPython's colour codes


TINY_LAB = '''# %% [markdown]
# # Tiny lab
#
# Math: $a^2$.

# %%
print(sum(range(4)))
'''


def test_only_labs_become_notebook_pages(tmp_path):
    pages = {
        "index.md": "# Home\n",
        "labs/tiny_lab.py": TINY_LAB,
        # A helper that is not a lab, beside a chapter's pages: it must stay a plain file.
        "losses/helper.py": "print('not a page')\n",
    }
    project = trimmed_project(tmp_path, pages)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["nav"] = ["index.md", "labs/tiny_lab.py"]
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    build = mkdocs_build(project, tmp_path / "site")
    assert build.returncode == 0, build.stdout + build.stderr
    site = tmp_path / "site"
    assert (site / "labs/tiny_lab/index.html").is_file() and (site / "labs/tiny_lab/tiny_lab.ipynb").is_file()
    assert "6" in nbformat.read(site / "labs/tiny_lab/tiny_lab.ipynb", as_version=4).cells[1].outputs[0].text
    assert not (site / "losses/helper/index.html").exists()
    assert not list(site.glob("snippets/**/index.html"))
    assert not (site / "labs/tiny_lab.py").exists()  # the source is not published, its notebook is
