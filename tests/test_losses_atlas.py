"""The loss atlas (snippets/losses/atlas.py) against torch.nn, the loss pages and the mind map."""

import inspect
import re
from pathlib import Path

import pytest
import torch.nn as nn

from snippets.losses.atlas import (
    ATLAS, COURSE_LOSSES, DEPRECATED_ARGUMENTS, FAMILIES, LINE, atlas_table, draw_mind_map, formula_table,
    mind_map_layout, page_url,
)
from tests.sitebuild import ROOT, nav_pages

DOCS = ROOT / "docs"
# Losses a page may name for comparison without covering them (the atlas lists the course's 18).
COMPARED_ONLY = {"HuberLoss"}


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
    assert loss.page in nav_pages()


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

    nodes = mind_map_layout()
    families = [node for node in nodes if node.depth == 1]
    leaves = [node for node in nodes if node.depth == 2]
    assert [family.label for family in families] == list(FAMILIES)
    names = [leaf.label.split("\n")[0] for leaf in leaves]
    assert sorted(names) == sorted(f"nn.{name}" for name in COURSE_LOSSES)
    for leaf in leaves:
        loss = next(loss for loss in ATLAS if leaf.label.startswith(f"nn.{loss.name}\n"))
        assert leaf.family == loss.family
        # the map carries the target and what is penalised, not only the name
        notes = " ".join(leaf.label.split("\n")[1:])
        assert notes == f"target: {loss.target_kind} penalises: {loss.penalises}"
    tops = [node.top for node in nodes]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)  # stacked, no overlap
    for above, below in zip(nodes, nodes[1:]):
        assert below.top >= above.top + above.lines * LINE  # text never overlaps


def test_mind_map_is_phone_sized():
    """At most 7 in wide and no text below 9 pt, so a phone shows it legibly."""
    from matplotlib.text import Text

    fig = draw_mind_map()
    assert fig.get_size_inches()[0] <= 7
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
    assert len(sizes) >= 18 * 3 and min(sizes) >= 9
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_table_links_point_at_built_urls_of_existing_pages():
    for loss in ATLAS:
        url = page_url(loss.page, "losses/atlas.md")
        assert url == f"../{Path(loss.page).stem}/"
    assert page_url("losses/ctc-loss.md", "losses/index.md") == "ctc-loss/"
    assert page_url("losses/ctc-loss.md", "index.md") == "losses/ctc-loss/"


def _table_cells(table: str) -> dict[str, dict[str, str]]:
    """The rendered table as {loss name: {column header: cell}}, exactly as the page shows it."""
    lines = table.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split(" | ")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\) \| ", line.strip().strip("|").strip())]
        rows[re.match(r"\*\*(\w+)\*\*", cells[0])[1]] = dict(zip(header, cells))
    return rows


@pytest.mark.parametrize("loss", ATLAS, ids=lambda loss: loss.name)
def test_the_page_shows_the_documented_signature(loss):
    """The arguments column the atlas page prints is torch's signature, read independently of the
    atlas data, and every argument it shows is documented in the class's docstring."""
    cls = getattr(nn, loss.name)
    cell = _table_cells(atlas_table(from_page="losses/atlas.md"))[loss.name]["Key arguments (default)"]
    expected = [f"`{name}={parameter.default!r}`" for name, parameter in inspect.signature(cls).parameters.items()
                if name not in DEPRECATED_ARGUMENTS and name != "reduction"]
    assert cell == (", ".join(expected) or "—")
    for name in inspect.signature(cls).parameters:
        assert re.search(rf"^\s*{name}\s*\(", cls.__doc__, re.MULTILINE), f"{name} is not in the docstring's Args"


def _examples():
    """For each shape or value range an entry states, a call that uses exactly it (fixed seed)."""
    import torch

    g = torch.Generator().manual_seed(0)
    x4 = torch.randn(2, 3, 4, 5, generator=g)  # (N, C, d1, d2)
    k4 = torch.randint(0, 3, (2, 4, 5), generator=g)  # (N, d1, d2)
    k4_ignored = k4.clone()
    k4_ignored[0, 0, 0] = -100
    log_probs = torch.randn(6, 2, 4, generator=g).log_softmax(2)
    return {
        "CrossEntropyLoss": [
            ("`(N, C, d1, …)` float logits", lambda: nn.CrossEntropyLoss()(x4, k4)),
            ("`(N, d1, …)` int64 class indices", lambda: nn.CrossEntropyLoss()(x4, k4)),
            ("(or `ignore_index`)", lambda: nn.CrossEntropyLoss()(x4, k4_ignored)),
            ("float class probabilities of the input's shape",
             lambda: nn.CrossEntropyLoss()(x4, x4.softmax(1))),
        ],
        "NLLLoss": [
            ("`(N, C, d1, …)` float log-probabilities", lambda: nn.NLLLoss()(x4.log_softmax(1), k4)),
            ("or `ignore_index` to skip", lambda: nn.NLLLoss()(x4.log_softmax(1), k4_ignored)),
        ],
        "BCELoss": [  # both ends of [0, 1] included: log(0) is clamped to -100
            ("probabilities in `[0, 1]`", lambda: nn.BCELoss()(torch.tensor([0.0, 1.0, 0.5]), torch.tensor([1.0, 0.0, 1.0]))),
        ],
        "CTCLoss": [
            ("1-D concatenated, int64 labels", lambda: nn.CTCLoss()(
                log_probs, torch.tensor([1, 2, 3]), torch.tensor([6, 5]), torch.tensor([2, 1]))),
            ("`(N, S)` padded", lambda: nn.CTCLoss()(
                log_probs, torch.tensor([[1, 2], [3, 0]]), torch.tensor([6, 5]), torch.tensor([2, 1]))),
        ],
    }


def test_stated_shapes_and_ranges_are_accepted():
    import torch

    by_name = {loss.name: loss for loss in ATLAS}
    for name, cases in _examples().items():
        for fragment, call in cases:
            text = by_name[name].input + " " + by_name[name].target
            assert fragment in text, f"{name}: the atlas no longer says {fragment!r}"
            value = call()
            assert torch.isfinite(value), f"{name}: {fragment!r} gave {value}"
    # ignore_index really skips: the mean over the other elements, computed from reduction="none".
    g = torch.Generator().manual_seed(1)
    logits, labels = torch.randn(2, 3, 4, generator=g), torch.randint(0, 3, (2, 4), generator=g)
    per_element = nn.CrossEntropyLoss(reduction="none")(logits, labels)
    labels[1, 2] = -100
    kept = torch.ones_like(per_element, dtype=torch.bool)
    kept[1, 2] = False
    torch.testing.assert_close(nn.CrossEntropyLoss()(logits, labels), per_element[kept].mean())


@pytest.mark.parametrize("loss", ATLAS, ids=lambda loss: loss.name)
def test_every_rows_formula_divisor_and_gradient_match_torch(loss):
    """The row's formula (reduction="none"), its mean divisor, the sum and the
    gradients agree with torch.nn on fresh inputs in each stated shape."""
    import warnings

    from snippets.losses.atlas_check import check_row

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # KLDivLoss's "mean" warning
        for seed in range(20):
            result = check_row(loss.name, seed)
            assert result.values and result.mean and result.sum and result.gradients, result


def test_kl_div_row_states_any_shape():
    kl = next(loss for loss in ATLAS if loss.name == "KLDivLoss")
    assert kl.input.startswith("`(*)`") and kl.target.startswith("`(*)`")
    assert "VAE" not in kl.task


@pytest.mark.parametrize("loss", ATLAS, ids=lambda loss: loss.name)
def test_every_stated_input_shape_is_exercised_by_the_row_check(loss):
    """Each input shape the row states, e.g. `(N, C)` or `(C)`, has a case in
    snippets/losses/atlas_check.py, so the formula check covers it."""
    import torch

    from snippets.losses.atlas_check import _cases

    main_input = loss.input.split(", plus")[0]  # CTC also lists its lengths
    stated = set(re.findall(r"`(\([^`]*\))`", main_input))
    assert stated, f"{loss.name}: no shape in {loss.input!r}"
    exercised = {case.shape for case in _cases(loss.name, torch.Generator().manual_seed(0))}
    assert stated <= exercised, f"{loss.name}: {stated - exercised} never checked"
