"""The offline archive (OFFLINE=1): opened from file://, navigation and search work."""

from __future__ import annotations

import pytest

from tests.browser import Recorder
from tests.sitebuild import ROOT, mkdocs_build, trimmed_project

PAGES = {
    "index.md": (ROOT / "docs" / "index.md").read_text(encoding="utf-8"),
    "glossary.md": (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8"),
}


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("offline")
    project = trimmed_project(tmp, PAGES, relax_links=True)  # the trimmed copy lacks the chapters
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("OFFLINE", "1")
    try:
        result = mkdocs_build(project, tmp / "site")
    finally:
        monkeypatch.undo()
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp / "site"


def test_the_offline_build_browses_from_file_urls(browser, offline_site):
    assert (offline_site / "glossary.html").is_file(), "the offline build must not use directory URLs"
    assert (offline_site / "search" / "search_index.js").is_file()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    recorder = Recorder()
    recorder.attach(page.context, page)
    page.goto((offline_site / "index.html").as_uri(), wait_until="load")
    page.locator("a[href$='glossary.html']:visible").first.click()
    page.wait_for_url("**/glossary.html", timeout=10_000)
    heading = page.inner_text("article h1")
    page.click(".md-search__input")
    page.fill(".md-search__input", "exponentially")  # only the glossary says it
    page.press(".md-search__input", "End")
    first = page.wait_for_selector(".md-search-result__item a", timeout=10_000).get_attribute("href")
    page.close()
    assert "Glossary" in heading
    assert first.startswith("file://") and "glossary.html" in first
    assert not recorder.external, f"the offline archive asked another host for {recorder.external}"
