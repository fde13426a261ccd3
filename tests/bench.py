"""`make bench`: how fast the build and the author loop are. Prints one table, writes test-output/bench.json.

Everything runs on a copy of the project in a temporary folder (the real docs/ is never edited),
each figure BENCH_RUNS times (default 3), and the table quotes medians:

- cold build: `mkdocs build --strict` from nothing (no cache);
- bare code: every executed block of every page and every code cell of every lab, run in one
  plain Python process with no MkDocs, no worker processes and no rendering;
- build / bare: the ratio, pair by pair (build i against bare run i), so machine drift cancels;
- prose edit, code edit: seconds from saving docs/losses/entropy.md (one new sentence; one new
  print in a block) to `make serve`'s server (cache and --dirty on) serving the changed page,
  and which pages re-ran their code after the code edit;
- page weight: each page's HTML plus every script, stylesheet and image it loads, heaviest first;
- the ten slowest blocks on their own (medians over the bare runs), the three slowest as the
  build ran them (wall time, sharing the CPUs with the pages and labs beside them), and each
  lab's time.

    python -m tests.bench            # or: make bench
    python -m tests.bench --bare     # (internal) the bare-code run
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.sitebuild import free_port, seconds_until

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
EDITED_PAGE = "losses/entropy.md"
COPIED = ["mkdocs.yml", "pyproject.toml", "requirements.txt", "overrides", "pagecode", "snippets", "tests", "docs"]


def copy_project(folder: Path) -> Path:
    project = folder / "project"
    project.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    return project


def environment(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "PAGECODE_CACHE"}
    return {**env, "NO_MKDOCS_2_WARNING": "1", **extra}


def cold_build(project: Path, site: Path) -> tuple[float, str]:
    shutil.rmtree(site, ignore_errors=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--verbose", "--site-dir", str(site)],
                            cwd=project, env=environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:  # still timed: a page another author is fixing should not stop the bench
        print(f"note: the strict build failed:\n{result.stdout[-1500:]}{result.stderr[-1500:]}", file=sys.stderr)
    return seconds, result.stdout + result.stderr


def bare_run(project: Path) -> tuple[float, dict[str, float]]:
    """Seconds for the whole bare run, and each block's own seconds in it."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "tests.bench", "--bare"], cwd=project, env=environment(),
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the bare run failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return seconds, json.loads(result.stdout.strip().splitlines()[-1])


def run_bare_code() -> None:
    """All pages' blocks and all labs' code cells in this one process, as plainly as possible."""
    import jupytext

    from pagecode.rules import page_blocks

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    block_seconds: dict[str, float] = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        sessions: dict[str, dict] = {}
        for block in page_blocks(page):
            namespace = sessions.setdefault(block.session, {}) if block.session else {}
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Exception):  # as the build, go on
                exec(compile(block.code(), block.where, "exec"), namespace)
            block_seconds[block.where] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as workdir:
        os.chdir(workdir)
        for lab in sorted((ROOT / "docs" / "labs").glob("*.py")):
            namespace: dict = {"__name__": "__main__"}
            for cell in jupytext.read(lab).cells:
                if cell.cell_type == "code":
                    # IPython line magics (the labs' %config of the figure format) are display
                    # settings of a notebook kernel, not code plain Python can run.
                    code = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
                    with contextlib.redirect_stdout(io.StringIO()):
                        exec(compile(code, str(lab), "exec"), namespace)
    print(json.dumps(block_seconds))  # read by bare_run


def serve_edits(project: Path, folder: Path) -> dict:
    port = free_port()
    log_path = folder / "serve.log"
    page = project / "docs" / EDITED_PAGE
    url = f"http://127.0.0.1:{port}/{EDITED_PAGE[:-3]}/"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--no-strict", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project, env=environment(PAGECODE_CACHE=str(folder / "cache")), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        first = seconds_until(url, "</html>", limit=900)
        prose, code, rerun = [], [], []
        for run in range(RUNS):
            marker = f"Bench prose edit {run} {time.time_ns()}"
            text = page.read_text(encoding="utf-8")
            page.write_text(text.replace("\n## ", f"\n{marker}.\n\n## ", 1), encoding="utf-8")
            prose.append(seconds_until(url, marker))
            marker = f"bench-code-edit-{run}-{time.time_ns()}"
            before = len(log_path.read_text())
            lines = page.read_text(encoding="utf-8").split("\n")
            fence = max(index for index, line in enumerate(lines) if 'exec="on"' in line and "result=" in line)
            indent = lines[fence][: len(lines[fence]) - len(lines[fence].lstrip())]
            lines.insert(fence + 1, f'{indent}print("{marker}")')
            page.write_text("\n".join(lines), encoding="utf-8")
            code.append(seconds_until(url, marker))
            time.sleep(1)
            rerun.append(sorted(set(re.findall(r"pagecode: ran \d+ blocks of (\S+)", log_path.read_text()[before:]))))
    finally:
        server.terminate()
        server.wait(60)
    return {"first_serve_seconds": first, "prose_edit_seconds": prose, "code_edit_seconds": code, "pages_rerun_after_code_edit": rerun}


def page_weights(site: Path) -> list[tuple[str, int]]:
    from tests.test_site import ResourceReferences

    weights = []
    for html in sorted(site.rglob("*.html")):
        parser = ResourceReferences()
        parser.feed(html.read_text(encoding="utf-8"))
        loaded = {html.resolve()}
        for url in parser.urls:
            path = url.split("#")[0].split("?")[0]
            if not path or re.match(r"^[a-z]+:|^//", path):
                continue
            try:  # the parser also splits inline data: URLs at their commas; those pieces are no files
                target = (html.parent / path).resolve()
                if target.is_file():
                    loaded.add(target)
            except OSError:
                continue
        weights.append((str(html.relative_to(site)), sum(path.stat().st_size for path in loaded)))
    return sorted(weights, key=lambda item: -item[1])


def main() -> None:
    results: dict = {"runs": RUNS, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-") as temporary:
        folder = Path(temporary)
        project = copy_project(folder)
        builds, bares, logs = [], [], []
        alone_times: dict[str, list[float]] = {}
        for _ in range(RUNS):
            seconds, log = cold_build(project, folder / "site")
            builds.append(seconds)
            logs.append(log)
            bare_seconds, alone = bare_run(project)
            bares.append(bare_seconds)
            for where, seconds in alone.items():
                alone_times.setdefault(where, []).append(seconds)
        results["cold_build_seconds"] = builds
        results["bare_code_seconds"] = bares
        results["build_over_bare"] = [build / bare for build, bare in zip(builds, bares)]
        block_times: dict[str, list[float]] = {}
        lab_times: dict[str, list[float]] = {}
        for log in logs:
            for where, seconds in re.findall(r"block (\S+) ran in ([\d.]+) s", log):
                block_times.setdefault(where, []).append(float(seconds))
            for lab, seconds in re.findall(r"executed (docs/labs/\S+) in ([\d.]+) s", log):
                lab_times.setdefault(lab, []).append(float(seconds))
        # A block's own time is measured in the bare run; in the build, pages run side by side
        # with the labs, so a block's wall time there also counts the CPU it shared.
        slowest = sorted(((statistics.median(times), where) for where, times in alone_times.items()), reverse=True)[:10]
        results["slowest_blocks"] = [{"block": where, "seconds": seconds} for seconds, where in slowest]
        in_build = sorted(((statistics.median(times), where) for where, times in block_times.items()), reverse=True)[:10]
        results["slowest_blocks_in_build"] = [{"block": where, "seconds": seconds} for seconds, where in in_build]
        results["labs"] = {lab: statistics.median(times) for lab, times in sorted(lab_times.items())}
        results["page_weights"] = [{"page": page, "bytes": size} for page, size in page_weights(folder / "site")]
        results["serve"] = serve_edits(project, folder)

    median = statistics.median
    serve = results["serve"]
    rows = [
        ("cold strict build", f"{median(results['cold_build_seconds']):.1f} s"),
        ("bare code (pages + labs, one process)", f"{median(results['bare_code_seconds']):.1f} s"),
        ("cold build / bare code", f"{median(results['build_over_bare']):.2f}"),
        ("serve: first build (cold cache)", f"{serve['first_serve_seconds']:.1f} s"),
        (f"serve: prose edit of {EDITED_PAGE} served", f"{median(serve['prose_edit_seconds']):.1f} s"),
        (f"serve: code edit of {EDITED_PAGE} served", f"{median(serve['code_edit_seconds']):.1f} s"),
        ("serve: pages re-run after the code edit", ", ".join(serve["pages_rerun_after_code_edit"][-1]) or "none"),
    ]
    rows += [(f"weight: {item['page']}", f"{item['bytes'] / 1e6:.2f} MB") for item in results["page_weights"][:5]]
    rows += [(f"block alone: {item['block']}", f"{item['seconds']:.2f} s") for item in results["slowest_blocks"]]
    rows += [(f"block in the build: {item['block']}", f"{item['seconds']:.2f} s") for item in results["slowest_blocks_in_build"][:3]]
    rows += [(f"lab: {lab}", f"{seconds:.1f} s") for lab, seconds in results["labs"].items()]
    print(f"| figure (median of {RUNS} runs, {os.cpu_count()} CPUs) | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    output = ROOT / "test-output" / "bench.json"
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--bare"]:
        run_bare_code()
    else:
        main()
