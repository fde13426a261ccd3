"""MkDocs hook: run every lab once, and let mkdocs-jupyter render and ship the executed notebook.

A lab is a jupytext percent-format script, ``docs/labs/<name>.py`` (readable diffs, no outputs in
git). mkdocs-jupyter's own ``execute: true`` would keep the executed notebook to itself, so the
download would either lack outputs or cost a second run, and a failing cell would surface as a
bare nbclient traceback naming neither notebook nor cell. So this hook does the running:

- ``on_files`` (before mkdocs-jupyter's): each lab is read with jupytext, given cell ids that
  depend only on its position (jupytext draws random ones), and executed with nbclient using the
  mkdocs-jupyter options ``kernel_name`` and ``allow_errors``, in an empty working directory with
  no ``PYTHONPATH``, so it can only use what a reader's fresh Jupyter has. A failing cell fails the
  build as ``docs/labs/<name>.py:LINE: cell N raised ...`` (or ``timed out``, or ``killed the
  kernel``). The lab's page file is then backed by the executed ``<name>.ipynb``; mkdocs-jupyter
  (``execute: false``) renders its outputs and, with ``include_source``, copies that same
  ``.ipynb`` next to the page.
- ``on_page_content``: removes the scripts mkdocs-jupyter's template loads from CDNs (MathJax 2,
  mermaid), because the site works offline and its vendored KaTeX typesets the notebook's math
  (``assets/javascripts/katex-init.js``); and puts "Download notebook" and "Open in Colab"
  buttons under the lab's title. The Colab link opens the executed notebook from the branch the
  site is published to, in the repository the deploy environment names (``GITHUB_REPOSITORY``,
  which GitHub Actions sets); a build without it (a laptop, a fork's CI elsewhere) shows only the
  download button rather than a link that would lead nowhere.
- The lab kernel runs isolated from the user's set-up: a fresh, empty ``IPYTHONDIR`` (no
  startup files, no profile configuration) and no ``PYTHONSTARTUP`` or ``PYTHONPATH``.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

import jupytext
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

LAB_SOURCES = "labs/*.py"
PAGES_BRANCH = "gh-pages"  # where the Pages workflow publishes the built site, notebooks included
REPOSITORY_VARIABLE = "GITHUB_REPOSITORY"  # "owner/name", set by GitHub Actions
CELL_TIMEOUT_SECONDS = 120  # a runaway cell fails the build instead of hanging it

log = get_plugin_logger("labs")

# The CDN scripts of mkdocs-jupyter 0.26's template; each must be found, so a template change
# that moves them fails the build here instead of quietly loading them from the internet.
_CDN_SCRIPTS = {
    "MathJax loader": re.compile(r'\s*<!-- Load mathjax -->\s*<script src="[^"]*">\s*</script>'),
    "MathJax configuration": re.compile(
        r'\s*<!-- MathJax configuration -->\s*<script type="text/x-mathjax-config">.*?</script>'
        r"\s*<!-- End of mathjax configuration -->",
        re.DOTALL,
    ),
    "mermaid import": re.compile(r'\s*<script type="module">(?:(?!</script>).)*?mermaid.*?</script>', re.DOTALL),
}

_run_dir: Path | None = None
_labs: dict[str, str] = {}  # page src_uri -> file name of its executed notebook


@event_priority(50)  # before mkdocs-jupyter decides which files are notebooks
def _execute_labs(files, config):
    global _run_dir
    sources = [file for file in files if file.src_uri and PurePosixPath(file.src_uri).match(LAB_SOURCES)]
    _labs.clear()
    if not sources:
        return files
    jupyter = _jupyter_options(config)
    _repository()  # fail before spending time on the labs
    _run_dir = Path(tempfile.mkdtemp(prefix="mkdocs-labs-"))
    for source in sources:
        where = f"{Path(config.docs_dir).name}/{source.src_uri}"
        notebook_path = _cached_notebook(Path(source.abs_src_path), jupyter)
        if notebook_path is None:
            cached = False
            notebook_path = _run_dir / PurePosixPath(source.src_uri).with_suffix(".ipynb")
        else:
            cached = notebook_path.is_file()
        if cached:
            log.info("took %s from the cache", where)
        else:
            notebook_path.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            notebook = execute_lab(Path(source.abs_src_path), where, jupyter["kernel_name"], jupyter["allow_errors"])
            log.info("executed %s in %.1f s", where, time.perf_counter() - started)
            nbformat.write(notebook, notebook_path)
        files.remove(source)
        files.append(File.generated(config, source.src_uri, abs_src_path=str(notebook_path), inclusion=source.inclusion))
        _labs[source.src_uri] = notebook_path.name
    return files


@event_priority(-50)  # after mkdocs-jupyter wrapped the labs
def _point_wrappers_at_notebooks(files, config):
    # mkdocs-jupyter 0.26's NotebookFile wrapper recomputes abs_src_path from src_dir, which a
    # generated file does not have; give it the executed notebook's path back.
    for file in files:
        if file.src_uri in _labs and getattr(file, "file", None) is not None:
            file.abs_src_path = file.file.abs_src_path
    return files


on_files = CombinedEvent(_execute_labs, _point_wrappers_at_notebooks)


def _cached_notebook(source: Path, jupyter) -> Path | None:
    """Under ``make serve`` (PAGECODE_CACHE set), where the executed notebook of this exact lab
    source, hook, kernel and set of pinned requirements is or will be stored; None otherwise.
    A stored notebook that does not read back as a valid notebook is discarded."""
    from pagecode import cache  # the build hook has put the repository on sys.path

    base = cache.folder()
    if base is None:
        return None
    material = [source.read_bytes(), Path(__file__).read_bytes(), (cache.ROOT / "requirements.txt").read_bytes(),
                sys.version.encode(), jupyter["kernel_name"].encode(), str(jupyter["allow_errors"]).encode()]
    key = hashlib.sha256(b"\0".join(material)).hexdigest()
    # A stable path and name: serve --dirty sees an unchanged lab, and the download keeps its name.
    path = base / "labs" / key / source.with_suffix(".ipynb").name
    if path.is_file():
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception:  # noqa: BLE001  (any unreadable notebook is simply run again)
            shutil.rmtree(path.parent, ignore_errors=True)
    return path


def execute_lab(source: Path, where: str, kernel_name: str, allow_errors: bool) -> nbformat.NotebookNode:
    """The lab at `source` as an executed notebook whose bytes depend only on the source and the
    installed packages."""
    notebook = jupytext.read(source)
    notebook.metadata.pop("jupytext", None)  # a downloaded lab is a plain notebook
    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    notebook.metadata["kernelspec"] = {"name": kernel_name, "display_name": spec.display_name, "language": spec.language}
    for number, cell in enumerate(notebook.cells, start=1):
        cell.id = f"cell-{number}"
    with tempfile.TemporaryDirectory(prefix="lab-cwd-") as workdir, tempfile.TemporaryDirectory(prefix="lab-ipython-") as ipython_dir:
        client = NotebookClient(
            notebook, kernel_name=kernel_name, timeout=CELL_TIMEOUT_SECONDS, allow_errors=allow_errors,
            # No timestamps, and one stdout output per cell however the kernel happened to
            # flush it: the executed notebook must be the same bytes on every build.
            record_timing=False, coalesce_streams=True, resources={"metadata": {"path": workdir}},
            # Quiet the kernel's own start-up notices (the unencrypted-localhost warning); what
            # the lab prints or warns still goes into its outputs.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        failed: list[int] = []
        running: list[int] = []
        client.on_cell_error = lambda cell, cell_index, execute_reply: failed.append(cell_index)
        client.on_cell_execute = lambda cell, cell_index: running.append(cell_index)
        # A reader's fresh Jupyter: no path into this repository, no startup code of whoever builds.
        environment = {name: value for name, value in os.environ.items() if name not in {"PYTHONPATH", "PYTHONSTARTUP"}}
        environment["IPYTHONDIR"] = ipython_dir
        try:
            client.execute(env=environment)
        except CellExecutionError as error:
            index = failed[-1] if failed else None
            raise PluginError(_failure_message(source, where, notebook, index, error)) from None
        except (CellTimeoutError, DeadKernelError) as error:
            # A cell that runs too long, or kills its kernel, is a failing cell too: name it.
            index = running[-1] if running else None
            if index is None:
                raise PluginError(f"{where}: the lab failed: {error}") from None
            stopped = "timed out" if isinstance(error, CellTimeoutError) else "killed the kernel"
            raise PluginError(f"{where}:{_cell_line(source, notebook, index)}: cell {index + 1} {stopped}: {error}") from None
    return notebook


def _cell_line(source: Path, notebook, index: int) -> int | str:
    markers = [number for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1) if line.startswith("# %%")]
    return markers[index] if len(markers) == len(notebook.cells) else "?"


def _failure_message(source: Path, where: str, notebook, index: int | None, error: CellExecutionError) -> str:
    if index is None:
        return f"{where}: the lab failed: {error.ename}: {error.evalue}"
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # IPython colours its tracebacks
    return f"{where}:{_cell_line(source, notebook, index)}: cell {index + 1} raised {error.ename}: {error.evalue}\n{traceback}"


def _jupyter_options(config) -> dict:
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        raise PluginError("overrides/hooks/labs.py renders labs through the mkdocs-jupyter plugin; add it to `plugins`.")
    options = plugin.config
    if options["execute"]:
        raise PluginError("mkdocs-jupyter: set `execute: false`; overrides/hooks/labs.py runs the labs once.")
    if not options["kernel_name"]:
        raise PluginError("mkdocs-jupyter: set an explicit `kernel_name` for the labs.")
    spec = KernelSpecManager().get_kernel_spec(options["kernel_name"])
    # jupyter_client runs a spec whose argv starts with a bare "python" with the interpreter that
    # runs the build; any other interpreter would not have the pinned packages.
    if spec.argv[0] not in {"python", f"python{sys.version_info[0]}", sys.executable}:
        raise PluginError(
            f"kernel '{options['kernel_name']}' runs {spec.argv[0]}, not this environment's {sys.executable}; "
            f"remove the kernelspec at {spec.resource_dir} or choose another kernel_name."
        )
    return options


def _repository() -> str | None:
    """The GitHub repository ("owner/name") the site is deployed from, or None outside a deploy."""
    name = os.environ.get(REPOSITORY_VARIABLE, "")
    if not name:
        return None
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        raise PluginError(f"{REPOSITORY_VARIABLE} must name a GitHub repository as owner/name, got {name!r}")
    return name


def on_page_content(content: str, page, config, files) -> str:
    notebook = _labs.get(page.file.src_uri)
    if notebook is None:
        return content
    where = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
    for name, pattern in _CDN_SCRIPTS.items():
        content, found = pattern.subn("", content)
        if not found:
            raise PluginError(f"{where}: the {name} of mkdocs-jupyter's template was not found; update overrides/hooks/labs.py")
    title_end = content.find("</h1>")
    if title_end < 0:
        raise PluginError(f"{where}: a lab starts with a markdown cell holding its '# Title'")
    title_end += len("</h1>")
    # mkdocs-jupyter's include_source puts the notebook in the page's own folder.
    published = PurePosixPath(page.file.dest_uri).parent / notebook
    buttons = f'<a class="md-button md-button--primary" href="{html.escape(notebook)}" download>Download notebook</a>'
    repository = _repository()
    if repository:
        colab = f"https://colab.research.google.com/github/{repository}/blob/{PAGES_BRANCH}/{published}"
        buttons += f' <a class="md-button" href="{html.escape(colab)}">Open in Colab</a>'
    buttons = f'\n<p class="lab-actions">{buttons}</p>\n'

    return content[:title_end] + buttons + content[title_end:]


def on_post_build(config) -> None:
    _remove_run_dir()


def on_build_error(error) -> None:
    _remove_run_dir()


def _remove_run_dir() -> None:
    global _run_dir
    if _run_dir is not None:
        shutil.rmtree(_run_dir, ignore_errors=True)
        _run_dir = None
