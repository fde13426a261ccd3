"""The loss atlas (snippets/losses/atlas.py) against torch.nn, the loss pages and the mind map."""

import inspect
import re
from pathlib import Path

import pytest
import torch.nn as nn
import yaml

from snippets.losses.atlas import (
    ATLAS, COURSE_LOSSES, DEPRECATED_ARGUMENTS, FAMILIES, atlas_table, formula_table, mind_map_layout, page_url,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Losses a page may name for comparison without covering them (the atlas lists the course's 18).
COMPARED_ONLY = {"HuberLoss"}


def _nav_pages(nav) -> set[str]:
    pages = set()
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages |= _nav_pages(value) if isinstance(value, list) else {value}
    return pages


def test_atlas_lists_the_courses_18_losses_in_order():
    assert len(COURSE_LOSSES) == len(set(COURSE_LOSSES)) == 18
    assert tuple(loss.name for loss in ATLAS) == COURSE_LOSSES
    assert {loss.family for loss in ATLAS} == set(FAMILIES)


@pytest.mark.parametrize("loss", ATLAS, ids=lambda loss: loss.name)
def test_entry_is_a_torch_loss_with_its_documented_signature(loss):
    cls = getattr(nn, loss.name)
    assert issubclass(cls, nn.modules.loss._Loss)
    parameters = inspect.signature(cls).parameters
    documented = {name: p.default for name, p in parameters.items() if name not in DEPRECATED_ARGUMENTS}
    assert list(documented) == list(loss.arguments), "names or order differ from torch's signature"
    assert documented == loss.arguments, "defaults differ from torch's signature"
    cls(**loss.arguments)  # the listed defaults are accepted as they are


@pytest.mark.parametrize("loss", ATLAS, ids=lambda loss: loss.name)
def test_entry_page_exists_is_in_nav_and_covers_it(loss):
    text = (DOCS / loss.page).read_text(encoding="utf-8")
    assert f"nn.{loss.name}" in text, f"{loss.page} never names nn.{loss.name}"
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    assert loss.page in _nav_pages(nav)


def test_loss_pages_together_cover_exactly_the_atlas():
    """Every course loss is named on the loss pages, and every torch.nn loss they name is in the
    atlas or is an explicitly declared comparison."""
    named = set()
    for page in (DOCS / "losses").glob("*.md"):
        named |= set(re.findall(r"\bnn\.(\w+Loss)\b", page.read_text(encoding="utf-8")))
    assert named - COMPARED_ONLY == set(COURSE_LOSSES)
    for name in named:
        assert issubclass(getattr(nn, name), nn.modules.loss._Loss)


def test_table_and_mind_map_are_drawn_from_the_same_entries():
    table = atlas_table(from_page="losses/atlas.md")
    rows = [line for line in table.splitlines()[2:]]
    assert [re.match(r"\| \*\*(\w+)\*\*", row)[1] for row in rows] == list(COURSE_LOSSES)
    assert all(row.count(" | ") == table.splitlines()[0].count(" | ") for row in rows)  # no stray "|"
    assert len(formula_table().splitlines()) == 2 + len(ATLAS)

    centre, families, leaves = mind_map_layout()
    assert [family.label for family in families] == list(FAMILIES)
    assert sorted(leaf.label for leaf in leaves) == sorted(f"nn.{name}" for name in COURSE_LOSSES)
    for leaf in leaves:
        assert leaf.family == next(loss.family for loss in ATLAS if f"nn.{loss.name}" == leaf.label)
    assert len({round(leaf.angle, 6) for leaf in leaves}) == len(leaves)  # no two losses on one spot


def test_table_links_point_at_built_urls_of_existing_pages():
    for loss in ATLAS:
        url = page_url(loss.page, "losses/atlas.md")
        assert url == f"../{Path(loss.page).stem}/"
    assert page_url("losses/ctc-loss.md", "losses/index.md") == "ctc-loss/"
    assert page_url("losses/ctc-loss.md", "index.md") == "losses/ctc-loss/"
