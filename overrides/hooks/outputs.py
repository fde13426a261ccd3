"""MkDocs hook: mark what an executed block printed as output, apart from its source.

markdown-exec renders a block's printed text as a fenced block in the ``result`` language
(``result="text"``), which looks exactly like any other code block. Before markdown-exec runs,
this hook turns ``result="text"`` into ``result='{.text .exec-output title="Output"}'``:
markdown-exec passes the value through as the info string of the fence it writes, and
pymdownx.superfences reads that brace form as language ``text``, an extra class ``exec-output``
and a title. So every printed result carries an "Output" label in the HTML itself (Material's
code-block title bar) and a class the stylesheet (``assets/stylesheets/extra.css``) and the
browser tests target, while display-only ``text`` blocks stay as they are.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pagecode.rules import EXEC_FENCE, is_executed  # noqa: E402  (needs ROOT on sys.path)

OUTPUT_CLASS = "exec-output"
OUTPUT_LABEL = "Output"
_RESULT_OPTION = re.compile(r'\bresult="(?P<language>[\w+-]+)"')


def mark_outputs(markdown: str) -> str:
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        match = EXEC_FENCE.match(line)
        if match and is_executed(match["options"]):
            lines[index] = _RESULT_OPTION.sub(
                lambda m: f"result='{{.{m['language']} .{OUTPUT_CLASS} title=\"{OUTPUT_LABEL}\"}}'", line, count=1
            )
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return mark_outputs(markdown)
