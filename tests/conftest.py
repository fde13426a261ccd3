import pytest

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
