"""The labs: jupytext sources that run on their own, executed at build time, shipped as notebooks.

The lab notebooks' own `assert` cells state their key results; the build executes every cell and
fails on any error, so the tests on the built site below also prove that each lab ran, in CI,
with all its checks passing.
"""

from __future__ import annotations

import ast
import html
import os
import re
import sys
from pathlib import Path

import jupytext
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
    assert listed == ["labs/index.md"] + [f"labs/{name}.ipynb" for name in LAB_NAMES]


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


def sections(name: str) -> dict[str, list]:
    """The lab's cells grouped under their `## ` or `### ` heading (cells before the first: "")."""
    grouped: dict[str, list] = {"": []}
    heading = ""
    for cell in jupytext.read(LABS / f"{name}.py").cells:
        if cell.cell_type == "markdown":
            found = re.findall(r"^#{2,3} (.+)$", cell.source, flags=re.MULTILINE)
            if found:
                heading = found[-1]
                grouped.setdefault(heading, [])
        grouped[heading].append(cell)
    return grouped


def asserts_in(cells) -> int:
    return sum(cell.source.count("assert") for cell in cells if cell.cell_type == "code")


@pytest.mark.parametrize("name", LAB_NAMES)
def test_every_section_checks_its_claims_and_every_exercise_has_a_checked_worked_solution(name):
    grouped = sections(name)
    numbered = [heading for heading in grouped if re.match(r"\d+\. ", heading)]
    assert numbered, f"{name} has no numbered sections"
    for heading in numbered:
        assert asserts_in(grouped[heading]), f"{name}: section '{heading}' asserts nothing"
    exercises = re.findall(r"^# (\d+)\. \*\*", (LABS / f"{name}.py").read_text(encoding="utf-8"), flags=re.MULTILINE)
    solutions = [heading for heading in grouped if heading.startswith("Solution ")]
    assert [heading.split(":")[0] for heading in solutions] == [f"Solution {number}" for number in exercises]
    for heading in solutions:
        assert asserts_in(grouped[heading]), f"{name}: '{heading}' checks nothing"


# A number with three or more significant digits after a decimal point, or in scientific
# notation, is a measured value; in a markdown cell nothing prints it, so it must not appear there
# (refer to "the output above" instead). Parameters the code sets (0.005, 400 steps) stay allowed.
NUMBER = re.compile(r"(?<![\w.])\d*\.?\d+(?:[eE][+-]?\d+)?")


def looks_measured(number: str) -> bool:
    mantissa, _, exponent = number.lower().partition("e")
    return bool(exponent) or ("." in mantissa and len(mantissa.replace(".", "").lstrip("0")) >= 3)


def test_the_number_rule_flags_measured_values_only():
    assert [looks_measured(n) for n in ("1.592", "0.514", "2.34e-08", "690.8", "1e-3")] == [True] * 5
    assert [looks_measured(n) for n in ("0.005", "0.19", "400", "256", "2", "0.9")] == [False] * 6


@pytest.mark.parametrize("name", LAB_NAMES)
def test_markdown_cells_state_no_measured_numbers(name):
    for cell in jupytext.read(LABS / f"{name}.py").cells:
        if cell.cell_type == "markdown":
            prose = re.sub(r"`[^`]*`", " ", cell.source)  # code spans name settings, e.g. lr=1e-3
            measured = [number for number in NUMBER.findall(prose) if looks_measured(number)]
            assert not measured, f"{name}: {measured} in a markdown cell: print it in a code cell"


LAB_BUDGET_SECONDS = 60  # each lab is sized for ~30 s on 2 cores; twice that allows a busy machine


def test_each_lab_runs_within_its_time_budget(site_build):
    result, _ = site_build
    timings = dict(re.findall(r"labs: executed docs/labs/(\w+)\.py in ([\d.]+) s", result.stdout + result.stderr))
    assert sorted(timings) == LAB_NAMES
    slow = {name: seconds for name, seconds in timings.items() if float(seconds) > LAB_BUDGET_SECONDS}
    assert not slow, slow


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
    assert sum("image/svg+xml" in output.get("data", {}) for output in outputs) >= 2  # figures drawn
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
    repository = os.environ.get("GITHUB_REPOSITORY")  # set in GitHub Actions, which publishes this build
    if repository:
        colab = f"https://colab.research.google.com/github/{repository}/blob/gh-pages/labs/{name}/{name}.ipynb"
        assert f'<a class="md-button" href="{colab}">Open in Colab</a>' in page
    else:  # no deploy target: no link that would lead nowhere
        assert "Open in Colab" not in page and "colab.research.google.com" not in page
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
    config["nav"] = ["index.md", "labs/tiny_lab.ipynb"]
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    build = mkdocs_build(project, tmp_path / "site")
    assert build.returncode == 0, build.stdout + build.stderr
    site = tmp_path / "site"
    assert (site / "labs/tiny_lab/index.html").is_file() and (site / "labs/tiny_lab/tiny_lab.ipynb").is_file()
    assert "6" in nbformat.read(site / "labs/tiny_lab/tiny_lab.ipynb", as_version=4).cells[1].outputs[0].text
    assert not (site / "losses/helper/index.html").exists()
    assert not list(site.glob("snippets/**/index.html"))
    assert not (site / "labs/tiny_lab.py").exists()  # the source is not published, its notebook is


def test_a_cell_that_runs_too_long_fails_naming_the_lab_line_and_cell(tmp_path, monkeypatch):
    from mkdocs.exceptions import PluginError

    hook = load_labs_hook()
    monkeypatch.setattr(hook, "CELL_TIMEOUT_SECONDS", 2)  # instead of waiting for the real limit
    lab = tmp_path / "slow_lab.py"
    lab.write_text(TINY_LAB + "\n# %%\nimport time\ntime.sleep(60)\n", encoding="utf-8")
    line = cell_markers(lab.read_text(encoding="utf-8"))[-1]
    with pytest.raises(PluginError, match=rf"^docs/labs/slow_lab\.py:{line}: cell 3 timed out"):
        hook.execute_lab(lab, "docs/labs/slow_lab.py", "python3", False)


def test_the_colab_link_comes_from_the_deploy_environment(tmp_path):
    project = trimmed_project(tmp_path, {"index.md": "# Home\n", "labs/tiny_lab.py": TINY_LAB})
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "repository" not in config.get("extra", {})  # no placeholder repository in the config
    build = mkdocs_build(project, tmp_path / "site", GITHUB_REPOSITORY="someone/week4-site")
    assert build.returncode == 0, build.stdout + build.stderr
    page = (tmp_path / "site/labs/tiny_lab/index.html").read_text(encoding="utf-8")
    colab = "https://colab.research.google.com/github/someone/week4-site/blob/gh-pages/labs/tiny_lab/tiny_lab.ipynb"
    assert f'<a class="md-button" href="{colab}">Open in Colab</a>' in page


def load_labs_hook():
    import importlib.util

    spec = importlib.util.spec_from_file_location("labs_hook", ROOT / "overrides" / "hooks" / "labs.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


def test_the_lab_kernel_ignores_the_builders_ipython_startup_files_and_pythonstartup(tmp_path, monkeypatch):
    ipython = tmp_path / "ipython"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00-leak.py").write_text("LEAKED_FROM_STARTUP = 1\n")
    (tmp_path / "startup.py").write_text("LEAKED_FROM_PYTHONSTARTUP = 1\n")
    monkeypatch.setenv("IPYTHONDIR", str(ipython))
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "startup.py"))
    lab = tmp_path / "probe_lab.py"
    lab.write_text(TINY_LAB + "\n# %%\nprint(sorted(name for name in globals() if name.startswith('LEAKED')))\n", encoding="utf-8")
    notebook = load_labs_hook().execute_lab(lab, "docs/labs/probe_lab.py", "python3", False)
    assert notebook.cells[-1].outputs[0].text == "[]\n"
    # The probe can see a leak: the same lab run by a bare nbclient picks up both.
    from nbclient import NotebookClient

    bare = jupytext.read(lab)
    NotebookClient(bare, kernel_name="python3").execute()
    assert bare.cells[-1].outputs[0].text == "['LEAKED_FROM_PYTHONSTARTUP', 'LEAKED_FROM_STARTUP']\n"


def test_under_the_serve_cache_a_lab_runs_again_only_when_its_source_changes(tmp_path):
    project = trimmed_project(tmp_path, {"index.md": "# Home\n", "labs/tiny_lab.py": TINY_LAB})
    cache = {"PAGECODE_CACHE": str(tmp_path / "cache")}

    def build() -> str:
        result = mkdocs_build(project, tmp_path / "site", **cache)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    assert "executed docs/labs/tiny_lab.py" in build()
    assert "took docs/labs/tiny_lab.py from the cache" in build()
    (project / "docs/labs/tiny_lab.py").write_text(TINY_LAB.replace("range(4)", "range(5)"), encoding="utf-8")
    assert "executed docs/labs/tiny_lab.py" in build()
    notebook = nbformat.read(tmp_path / "site/labs/tiny_lab/tiny_lab.ipynb", as_version=4)
    assert notebook.cells[1].outputs[0].text == "10\n"


def test_a_template_without_the_expected_cdn_scripts_fails_loudly():
    """The hook removes mkdocs-jupyter's CDN scripts by pattern; if an upgrade changes the
    template, the build must stop rather than ship a page that loads from the internet."""
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError

    hook = load_labs_hook()
    hook._labs["labs/tiny_lab.ipynb"] = "tiny_lab.ipynb"
    page = SimpleNamespace(file=SimpleNamespace(src_uri="labs/tiny_lab.ipynb", dest_uri="labs/tiny_lab/index.html"))
    config = SimpleNamespace(docs_dir=str(ROOT / "docs"))
    changed_template = '<h1>Tiny lab</h1><script src="https://cdn.example.org/mathjax.js"></script>'
    with pytest.raises(PluginError, match=r"^docs/labs/tiny_lab\.py: the MathJax loader of mkdocs-jupyter's template was not found"):
        hook.on_page_content(changed_template, page, config, files=None)
