import pytest
from playwright.sync_api import sync_playwright

from tests.browser import CHROMIUM_FLAGS, chromium_path
from tests.sitebuild import ROOT, mkdocs_build, threads


@pytest.fixture(scope="session")
def site_build():
    """One strict build of the real site into site/, shared by every test that inspects the
    output; CI publishes this very build."""
    site = ROOT / "site"
    return mkdocs_build(ROOT, site, **threads(2)), site


@pytest.fixture(scope="session")
def site(site_build):
    result, site = site_build
    if result.returncode != 0:
        pytest.fail(f"strict build failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return site


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (Playwright cannot download its
    own browser here; one sync Playwright may run at a time, so no module outlives its own)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()
