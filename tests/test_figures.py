import matplotlib.pyplot as plt

from snippets.figures import figure_html


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
