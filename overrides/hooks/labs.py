"""MkDocs hook: run every lab once, and let mkdocs-jupyter render and ship the executed notebook.

A lab is a jupytext percent-format script, ``docs/labs/<name>.py`` (readable diffs, no outputs in
git). mkdocs-jupyter's own ``execute: true`` would keep the executed notebook to itself, so the
download would either lack outputs or cost a second run, and a failing cell would surface as a
bare nbclient traceback naming neither notebook nor cell. So this hook does the running:

- ``on_files`` (before mkdocs-jupyter's): each lab is read with jupytext, given cell ids that
  depend only on its position (jupytext draws random ones), and executed with nbclient using the
  mkdocs-jupyter options ``kernel_name`` and ``allow_errors``, in an empty working directory with
  no ``PYTHONPATH``, so it can only use what a reader's fresh Jupyter has. The labs run one after
  another in a background thread while MkDocs renders the other pages; ``on_pre_page`` makes a
  lab's page wait for its lab. A failing cell fails the build as ``docs/labs/<name>.py:LINE: cell
  N raised ...`` (or ``timed out``, or ``killed the kernel``). The source file is replaced by a
  plain ``File`` (MkDocs' public API) for ``labs/<name>.ipynb`` in the folder where the executed
  notebook is written, so the nav and links name ``labs/<name>.ipynb``; mkdocs-jupyter
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
import threading
import time
from concurrent.futures import Future
from pathlib import Path, PurePosixPath

import jupytext
import nbformat
import tinycss2
from jupyter_client.kernelspec import KernelSpecManager
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
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
_labs: dict[str, str] = {}  # page src_uri (labs/<name>.ipynb) -> file name of its executed notebook
_running: dict[str, Future] = {}  # page src_uri -> the lab's run, until its page is rendered


@event_priority(50)  # before mkdocs-jupyter decides which files are notebooks
def on_files(files, config):
    global _run_dir
    sources = [file for file in files if file.src_uri and PurePosixPath(file.src_uri).match(LAB_SOURCES)]
    _labs.clear()
    _running.clear()
    if not sources:
        return files
    jupyter = _jupyter_options(config)
    _repository()  # fail before spending time on the labs
    _run_dir = Path(tempfile.mkdtemp(prefix="mkdocs-labs-"))
    runs = []
    for source in sources:
        where = f"{Path(config.docs_dir).name}/{source.src_uri}"
        page_uri = PurePosixPath(source.src_uri).with_suffix(".ipynb").as_posix()
        folder = _cached_folder(Path(source.abs_src_path), jupyter) or _run_dir
        notebook_path = folder / page_uri
        if notebook_path.is_file():
            log.info("took %s from the cache", where)
        else:
            runs.append((Path(source.abs_src_path), where, notebook_path, page_uri))
        files.remove(source)
        # A plain file of another folder, as MkDocs' public File API describes it: mkdocs-jupyter
        # wraps it like any notebook of the docs, and include_source ships this very .ipynb.
        files.append(File(page_uri, src_dir=str(folder), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls, inclusion=source.inclusion))
        _labs[page_uri] = notebook_path.name
    if runs:
        # One lab at a time, in a thread of its own, while MkDocs renders the other pages and their
        # code runs (overrides/hooks/build_checks.py); a lab's page waits for its lab (on_pre_page).
        _running.update(_run_labs_in_background(runs, jupyter))
    return files


def _run_labs_in_background(runs, jupyter) -> dict[str, Future]:
    futures = {page_uri: Future() for *_, page_uri in runs}
    environment = kernel_environment()  # read here: the main thread may change os.environ later

    def run_all():
        for source, where, notebook_path, page_uri in runs:
            future = futures[page_uri]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                started = time.perf_counter()
                notebook = execute_lab(source, where, jupyter["kernel_name"], jupyter["allow_errors"], environment)
                notebook_path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, notebook_path)
                future.set_result(time.perf_counter() - started)
            except BaseException as error:  # noqa: BLE001  (handed to the page that waits for it)
                future.set_exception(error)

    # A daemon thread: a build that fails elsewhere exits without waiting for the labs; their
    # kernels notice that their parent has gone and stop.
    threading.Thread(target=run_all, name="labs", daemon=True).start()
    return futures


@event_priority(50)  # a lab's page is read only once its notebook is written
def on_pre_page(page, config, files):
    running = _running.pop(page.file.src_uri, None)
    if running is not None:
        seconds = running.result()  # re-raises the lab's PluginError, naming lab, line and cell
        log.info("executed %s in %.1f s", _source_of(page.file.src_uri, config), seconds)
    return page


def _source_of(page_uri: str, config) -> str:
    return f"{Path(config.docs_dir).name}/{PurePosixPath(page_uri).with_suffix('.py')}"


def _cached_folder(source: Path, jupyter) -> Path | None:
    """Under ``make serve`` (PAGECODE_CACHE set), the folder that holds, under its page path, the
    executed notebook of this exact lab source, hook, kernel and set of pinned requirements;
    None otherwise. A stored notebook that does not read back as a valid notebook is discarded."""
    from pagecode import cache  # the build hook has put the repository on sys.path

    base = cache.folder()
    if base is None:
        return None
    material = [source.read_bytes(), Path(__file__).read_bytes(), (cache.ROOT / "requirements.txt").read_bytes(),
                sys.version.encode(), jupyter["kernel_name"].encode(), str(jupyter["allow_errors"]).encode()]
    key = hashlib.sha256(b"\0".join(material)).hexdigest()
    # A stable path and name: serve --dirty sees an unchanged lab, and the download keeps its name.
    folder = base / "labs" / key
    for stored in folder.rglob("*.ipynb"):
        try:
            nbformat.validate(nbformat.read(stored, as_version=4))
        except Exception:  # noqa: BLE001  (any unreadable notebook is simply run again)
            stored.unlink()
    return folder


def kernel_environment() -> dict[str, str]:
    """A reader's fresh Jupyter: no path into this repository, no startup code of whoever builds,
    no matplotlib backend chosen for the build's own off-screen drawing (the kernel's is inline)."""
    return {name: value for name, value in os.environ.items() if name not in {"PYTHONPATH", "PYTHONSTARTUP", "MPLBACKEND"}}


def execute_lab(source: Path, where: str, kernel_name: str, allow_errors: bool,
                environment: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The lab at `source` as an executed notebook whose bytes depend only on the source and the
    installed packages. `environment` is the kernel's (default: ``kernel_environment()`` now)."""
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
        try:
            client.execute(env={**(environment or kernel_environment()), "IPYTHONDIR": ipython_dir})
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
    where = _source_of(page.file.src_uri, config)
    for name, pattern in _CDN_SCRIPTS.items():
        content, found = pattern.subn("", content)
        if not found:
            raise PluginError(f"{where}: the {name} of mkdocs-jupyter's template was not found; update overrides/hooks/labs.py")
    content = _without_unused_css(content)
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


_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)
_CLASS_ATTRIBUTE = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")


def _without_unused_css(content: str) -> str:
    """The lab's page without the style rules that cannot match anything on it.

    mkdocs-jupyter's template inlines JupyterLab's whole stylesheet (about 0.6 MB, most of it
    for widgets, dialogs and file browsers a static notebook never shows) into every lab page. A
    selector that requires a class no element of the page has cannot match, so its rule goes; a
    rule is kept whenever in doubt (any selector with a parenthesis, such as ``:not(.a)`` or
    ``:is(.a, .b)``, keeps its rule, and so does one needing only Material's ``md-`` classes,
    which its scripts add after load). This holds as long as no script adds other classes later:
    ``tests/test_browser.py`` checks the live page in Chromium for that."""
    used = {name for match in _CLASS_ATTRIBUTE.finditer(content) for name in (match[1] or match[2]).split()}
    return _STYLE.sub(lambda style: style[1] + _used_rules(style[2], used) + style[3], content)


def _used_rules(css: str, used: set[str]) -> str:
    def can_match(selector: str) -> bool:
        # Material's scripts add md-... classes after load (md-typeset__scrollwrap around tables).
        return all(name in used or name.startswith("md-") for name in _CLASS_SELECTOR.findall(selector))

    def kept(rules) -> list:
        result = []
        for rule in rules:
            if rule.type == "qualified-rule":
                prelude = tinycss2.serialize(rule.prelude)
                if "(" in prelude or any(map(can_match, prelude.split(","))):
                    result.append(rule)
            elif rule.type == "at-rule" and rule.lower_at_keyword in {"media", "supports"} and rule.content:
                inner = kept(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
                if inner:
                    rule.content = [token for item in inner for token in (item, tinycss2.ast.WhitespaceToken(0, 0, " "))]
                    result.append(rule)
            elif rule.type != "error":
                result.append(rule)
        return result

    rules = kept(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return "\n".join(tinycss2.serialize([rule]) for rule in rules)


def on_post_build(config) -> None:
    _remove_run_dir()


def on_build_error(error) -> None:
    for running in _running.values():
        running.cancel()  # labs not started yet; the one running ends with the process
    _running.clear()
    _remove_run_dir()


def _remove_run_dir() -> None:
    global _run_dir
    if _run_dir is not None:
        shutil.rmtree(_run_dir, ignore_errors=True)
        _run_dir = None
