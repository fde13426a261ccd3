import matplotlib.pyplot as plt

import re

from snippets.figures import MIN_TEXT_PX, PHONE_FIGURE_PX, figure_html


def draw(title: str):
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 0, 2], label="a line")
    ax.set(title=title, xlabel="$\\sigma$")
    ax.legend()
    return fig


def test_the_same_figure_gives_the_same_svg_and_is_closed():
    first = figure_html(draw("same"), "caption")
    second = figure_html(draw("same"), "caption")
    assert first == second
    assert plt.get_fignums() == []


def test_the_svg_is_inline_html_that_follows_the_palette():
    html = figure_html(draw("palette"), 'a <caption> & "quotes"')
    assert html.startswith('<figure class="mpl-figure">\n<svg role="img" aria-label="a &lt;caption&gt; &amp; &quot;quotes&quot;"')
    assert "<?xml" not in html and "<!DOCTYPE" not in html
    assert "currentColor" in html and "#010203" not in html
    assert "<dc:date>" not in html
    assert html.endswith("<figcaption>a &lt;caption&gt; &amp; &quot;quotes&quot;</figcaption>\n</figure>")


def test_default_arrows_boxes_and_patches_take_the_palette_ink():
    """What a page draws without naming a colour must follow the palette, never black or white."""
    from matplotlib.patches import Circle, Rectangle

    from tests.reading import hard_coded_ink

    fig, ax = plt.subplots()
    ax.annotate("note", xy=(0.5, 0.5), xytext=(0.2, 0.8), arrowprops={"arrowstyle": "->"})
    ax.add_patch(Rectangle((0.1, 0.1), 0.2, 0.2, fill=False))
    ax.add_patch(Circle((0.6, 0.2), 0.1))
    ax.text(0.7, 0.7, "box", bbox={"boxstyle": "round"})
    ax.arrow(0, 0, 0.3, 0.3, head_width=0.05)
    ax.boxplot([[1, 2, 3]])
    ax.errorbar([0.3], [0.3], yerr=0.1)
    ax.legend(["a"], frameon=True)
    html = figure_html(fig, "defaults")
    assert hard_coded_ink("page.md", f"<article>{html}</article>") == []
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="k")
    problems = hard_coded_ink("page.md", f"<article>{figure_html(fig, 'black line')}</article>")
    assert problems and all("has stroke #000000" in p for p in problems)


def test_the_svg_records_its_smallest_text_and_a_wide_figure_keeps_it_legible():
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.set_title("small", fontsize=7)
    html = figure_html(fig, "wide", wide=True)
    assert 'data-font-pt="7"' in html and 'class="mpl-figure mpl-figure--wide"' in html
    view_width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', html)[1])
    min_width = int(re.search(r'min-width: (\d+)px', html)[1])
    assert 7 * min_width / view_width >= MIN_TEXT_PX > 7 * (min_width - 1) / view_width


def test_a_figure_shrunk_to_a_phone_still_shows_its_text_at_nine_pixels():
    """The audit's own measure: font pt x the phone's figure width / the SVG's width."""
    for width in (4.0, 6.4, 9.0):
        fig, (left, right) = plt.subplots(1, 2, figsize=(width, 3))
        left.plot([0, 1], label="a line")
        left.legend(fontsize=7)
        right.set_title("small", fontsize=7)
        html = figure_html(fig, "two panels")
        view_width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', html)[1])
        font_pt = float(re.search(r'data-font-pt="([\d.]+)"', html)[1])
        assert font_pt * PHONE_FIGURE_PX / view_width >= MIN_TEXT_PX, width
