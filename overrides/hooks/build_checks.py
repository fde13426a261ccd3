"""MkDocs hook: run the pages' code in contained worker processes, and make every build failure
name the page and the line that caused it.

- Executed fences (```python exec="on" ...) are found by ``pagecode.rules``, the module the test
  plugin uses too. Each gets ``id="docs/page.md:LINE"``, so markdown-exec's "code block exited
  with errors" warning names page and line.
- markdown-exec stays the renderer, through its documented set-up as a SuperFences custom fence
  (its own ``validator``, and ``base_format`` with a ``run`` function): this hook registers the
  ``python`` fence, whose ``run`` returns the block's result from the page's worker process
  (``pagecode.runner``): a fresh process per page, with a time limit, an output limit, and loud
  errors for exits, crashes and changed global settings. markdown-exec's plugin keeps its other
  duties with ``languages: []``.
- Pages' code runs ahead of rendering (``pagecode.ahead``): once the nav is known, every page to be
  rendered is queued, ``PAGECODE_JOBS`` pages at a time (default: the CPUs), in render order,
  while the labs run beside them; rendering a block waits for its page's results. A page whose
  Markdown reached markdown-exec with other blocks than its file had runs again, on demand.
- Every page must run exactly the blocks the rules found on it, or the build fails: the tests
  collect the same blocks, so the two runners cannot silently disagree.
- ``--8<--`` includes are checked before pymdownx.snippets runs, which would name neither.
- A markdown-exec session used on two pages fails: each page runs in its own process.
- MkDocs' link and anchor warnings get the line of the offending link prepended.
- ``mkdocs serve`` also watches ``snippets/`` (restart it after editing ``pagecode/`` or the hooks). With ``PAGECODE_CACHE`` set
  (``make serve``), a page whose code, included and imported snippets, requirements and Python
  are unchanged shows its stored results instead of running (``pagecode.cache``); under
  ``serve --dirty`` a page whose stored results went stale is rebuilt even if its Markdown did
  not change, so an edited snippet never leaves a stale page.

With ``strict: true`` every warning logged here fails the build.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import replace
from pathlib import Path

import markdown_exec
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from pymdownx.superfences import SuperFencesException

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pagecode.rules import (  # noqa: E402  (needs ROOT on sys.path)
    EXEC_FENCE,
    executed_blocks,
    find_snippet,
    include_lines,
    same_code,
)
from pagecode import cache  # noqa: E402
from pagecode.ahead import Ahead, PageOutcome, jobs, run_page  # noqa: E402

log = get_plugin_logger("pagecode")
_sessions_seen: dict[str, str] = {}


class _Page:
    """The page being rendered: its blocks, how many markdown-exec has asked for, and where
    their results come from (the cache, the run started ahead of rendering, or a run now)."""

    def __init__(self, where: str, blocks) -> None:
        self.where, self.blocks = where, blocks
        self.ran = 0
        self.key = cache.page_key(where, blocks) if cache.folder() and blocks else None
        self.cached = cache.load(self.key) if self.key else None
        self.ahead = _ahead.take(where) if _ahead is not None else None
        self.outcome: PageOutcome | None = None

    def results(self) -> list[list[str]]:
        """[status, text] of every block, in page order."""
        if self.cached is not None:
            return self.cached
        if self.outcome is None:
            outcome = self.ahead.result() if self.ahead is not None else None
            # The run ahead read the page's file; if MkDocs handed over other blocks (the file
            # changed since, or a plugin edited the Markdown), run what is being rendered.
            if outcome is None or _block_keys(outcome.blocks) != _block_keys(self.blocks):
                outcome = run_page(self.where, self.blocks)
            self.outcome = outcome
        return self.outcome.results


def _block_keys(blocks) -> list[tuple]:
    return [(block.line, block.options, block.code()) for block in blocks]


_page: _Page | None = None
_ahead: Ahead | None = None
_dirty = False


def on_startup(command, dirty):
    global _dirty
    _dirty = dirty


def on_config(config):
    # MkDocs restores sys.path after loading a hook, so executed blocks need ROOT added again.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    plugin = config.plugins.get("markdown-exec")
    if plugin is None or plugin.config.languages:
        raise PluginError("mkdocs.yml: keep the markdown-exec plugin with `languages: []`; "
                          "overrides/hooks/build_checks.py registers the python fence itself.")
    fences = config.mdx_configs.setdefault("pymdownx.superfences", {}).setdefault("custom_fences", [])
    for language in ("python", "py"):
        fences.append({"name": language, "class": language, "validator": markdown_exec.validator, "format": _format_python})
    return config


def on_serve(server, config, builder):
    server.watch(str(ROOT / "snippets"))  # page code imports and includes them
    return server


def on_pre_build(config) -> None:
    _sessions_seen.clear()
    link_logger = logging.getLogger("mkdocs.structure.pages")
    if not any(isinstance(f, _LinkLineFilter) for f in link_logger.filters):
        link_logger.addFilter(_LinkLineFilter(Path(config.docs_dir)))


def on_page_markdown(markdown: str, page, config, files) -> str:
    global _page
    _close_page()
    where = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
    lines = markdown.split("\n")
    # MkDocs hands over the page without its front matter; count lines as the file does, as the
    # test plugin does, so both name the same line.
    offset = _front_matter_lines(page, markdown)
    for number, target in include_lines(lines):
        if find_snippet(target) is None:
            raise PluginError(f"{where}:{number + offset}: snippet file '{target}' not found under snippets/")
    try:
        blocks = [replace(block, line=block.line + offset) for block in executed_blocks(markdown, where)]
    except ValueError as error:
        raise PluginError(str(error)) from None
    for block in blocks:
        session = block.session
        if session:
            first = _sessions_seen.setdefault(session, where)
            if first != where:
                raise PluginError(
                    f"{block.where}: markdown-exec session '{session}' is already used by "
                    f"{first}; sessions are global to the build, give each page its own."
                )
        fence = lines[block.line - 1 - offset]
        if " id=" not in f" {EXEC_FENCE.match(fence)['options']}":
            lines[block.line - 1 - offset] = f'{fence} id="{block.where}"'
    _page = _Page(where, blocks)
    return "\n".join(lines)


def _front_matter_lines(page, markdown: str) -> int:
    """How many lines MkDocs stripped from the top of the file (its YAML front matter)."""
    source = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig") if page.file.abs_src_path else markdown
    return max(source.count("\n") - markdown.count("\n"), 0)


def _format_python(source, language, css_class, options, md, **kwargs):
    """markdown-exec's python formatter, with the code run in the page's worker process."""
    return markdown_exec.base_format(language="python", run=_run_in_worker, code=source, md=md, **options)


def _run_in_worker(code: str, returncode: int | None = None, session: str | None = None, id: str = "", **extra) -> str:  # noqa: A002
    page = _page
    # SuperFences treats any other exception from a fence's formatter as "not my fence" and shows
    # the block as plain code, unexecuted; SuperFencesException is the one it lets through.
    if page is None or page.ran >= len(page.blocks):
        where = page.where if page else "a page"
        raise SuperFencesException(f"{where}: markdown-exec ran a block pagecode.rules did not find (id {id!r}).")
    block = page.blocks[page.ran]
    page.ran += 1
    if not same_code(code, block.code()):
        raise SuperFencesException(f"{block.where}: markdown-exec was given other code than pagecode.rules found here; fix the rules.")
    try:
        status, text = page.results()[page.ran - 1]
    except Exception as error:  # a fault of the runner itself, not of the block: never a silent pass
        raise SuperFencesException(f"{block.where}: the page's code could not be run: {error!r}") from error
    if status != "ok":
        raise markdown_exec.ExecutionError(markdown_exec.code_block("python", text))
    return text


def on_page_content(html: str, page, config, files) -> str:
    _close_page()
    return html


def _close_page() -> None:
    global _page
    if _page is None:
        return
    page, _page = _page, None
    if page.ahead is not None and page.outcome is None:
        page.ahead.cancel()  # markdown-exec never asked (the page failed before its blocks)
    if page.ran != len(page.blocks):
        raise PluginError(f"{page.where}: pagecode.rules found {len(page.blocks)} executed blocks, markdown-exec ran {page.ran}.")
    outcome = page.outcome
    if page.key and outcome is not None and outcome.worker_survived:
        cache.store(page.key, outcome.imported, outcome.results)
    if page.cached is not None:
        log.info("took the results of %d blocks of %s from the cache", page.ran, page.where)
    elif outcome is not None and page.blocks:
        for where, seconds in outcome.seconds.items():
            log.debug("block %s ran in %.3f s", where, seconds)  # read by `make bench`
        slowest = max(outcome.seconds.items(), key=lambda item: item[1], default=("", 0.0))
        log.info("ran %d blocks of %s in %.2f s (slowest %s: %.2f s)", page.ran, page.where,
                 outcome.total_seconds, slowest[0], slowest[1])


@event_priority(-100)  # last: the labs hook has started its labs, and every page file is known
def on_nav(nav, config, files):
    """Start running the code of every page this build will render, ``jobs()`` pages at a time,
    in the order MkDocs renders them, skipping pages whose stored results are valid (``make
    serve``). Under ``serve --dirty`` with the cache, a page whose stored results are stale is
    rebuilt even if its Markdown did not change (an edited snippet), and pages MkDocs will not
    render are skipped."""
    global _ahead
    _stop_ahead()
    _ahead = Ahead(jobs())
    for file in files.documentation_pages():
        if not file.src_uri.endswith(".md"):
            continue
        where = f"{Path(config.docs_dir).name}/{file.src_uri}"
        try:
            blocks = executed_blocks(Path(file.abs_src_path).read_text(encoding="utf-8-sig"), where)
            for block in blocks:
                block.code()  # a missing include raises here; on_page_markdown names it
            stored = bool(blocks) and cache.folder() is not None and cache.load(cache.page_key(where, blocks)) is not None
        except (OSError, ValueError):  # an open fence, a missing include: reported when rendered
            blocks, stored, broken = [], False, True
        else:
            broken = False
        if _dirty and cache.folder() and not stored and (blocks or broken):
            Path(file.abs_dest_path).unlink(missing_ok=True)  # in the serve folder: forces a rebuild
        if stored or not blocks or (_dirty and not file.is_modified()):
            continue
        _ahead.submit(where, blocks)
    return nav


def on_post_build(config) -> None:
    _close_page()
    _stop_ahead()


def on_build_error(error) -> None:
    global _page
    _page = None
    _stop_ahead()


def _stop_ahead() -> None:
    global _ahead
    if _ahead is not None:
        _ahead.stop()
        _ahead = None


class _LinkLineFilter(logging.Filter):
    """Prepend 'docs/page.md:LINE: ' to MkDocs' 'Doc file ... contains a link ...' warnings."""

    _pattern = re.compile(r"Doc file '(?P<page>[^']+)' contains (?:an unrecognized relative )?(?:a )?link (?:to )?'(?P<link>[^']+)'")

    def __init__(self, docs_dir: Path) -> None:
        super().__init__()
        self.docs_dir = docs_dir

    def filter(self, record: logging.LogRecord) -> bool:
        match = self._pattern.search(record.getMessage())
        if match:
            page = self.docs_dir / match["page"]
            line = _line_of(page, match["link"])
            record.msg = f"{self.docs_dir.name}/{match['page']}:{line}: {record.getMessage()}"
            record.args = ()
        return True


def _line_of(page: Path, link: str) -> int | str:
    for number, text in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if link in text:
            return number
    return "?"
