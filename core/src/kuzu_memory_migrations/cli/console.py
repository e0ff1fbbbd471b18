"""The consoles every command prints through (colour off when not a terminal, or NO_COLOR).

Nothing printed is ever cut. Off a terminal (a pipe, a file) lines are never wrapped at all,
whatever COLUMNS says, so each record stays one line for grep, cut and awk. In a terminal,
text wraps between words, and a word longer than the line (a path, a name) is printed whole
for the terminal to wrap, never folded or cropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleDimensions
from rich.text import Text

PLAIN_WIDTH = 1_000_000
"""The width of a console that is not a terminal: no line is ever long enough to wrap."""


class WholeLines(Console):
    """A rich console that never cuts a line off a terminal, nor a word in one."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(PLAIN_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    def print(self, *objects: Any, **options: Any) -> None:
        """As rich prints, but a line of text in a terminal is broken between words only."""
        options.setdefault("crop", False)
        if self.is_terminal and not options.get("soft_wrap") and len(objects) == 1:
            [text] = objects
            if isinstance(text, str):
                text = self.render_str(text, highlight=False)
            if isinstance(text, Text):
                lines = list(word_wrap(text, self.width))
                objects = (Text("\n", end=text.end).join(lines),)
                options.update(no_wrap=True, overflow="ignore")
        super().print(*objects, **options)


WORD = re.compile(r"\S+\s*")


def word_wrap(text: Text, width: int) -> Iterator[Text]:
    """``text`` in lines of at most ``width`` cells, broken between words only: a word
    longer than the line (a path, a name) gets a line of its own, whole."""
    start = 0
    for line in text.plain.split("\n"):
        end = start + len(line)
        cut, used = start, 0
        for word in WORD.finditer(line):
            size = cell_len(word.group().rstrip())
            if used and used + size > width:
                yield _stripped(text[cut : start + word.start()])
                cut, used = start + word.start(), 0
            used += cell_len(word.group())
        yield _stripped(text[cut:end])
        start = end + 1


def _stripped(text: Text) -> Text:
    text.rstrip()  # in place
    return text


console = WholeLines(highlight=False)
error_console = WholeLines(stderr=True, highlight=False)
