import pytest

from tests.sitebuild import ROOT, mkdocs_build


@pytest.fixture(scope="session")
def site_build(tmp_path_factory):
    """One strict build of the real site, shared by every test that inspects the output."""
    site = tmp_path_factory.mktemp("site")
    return mkdocs_build(ROOT, site), site


@pytest.fixture(scope="session")
def site(site_build):
    result, site = site_build
    if result.returncode != 0:
        pytest.fail(f"strict build failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return site
