"""Listings and lines for people; the JSON shapes are the pydantic models themselves.

A listing is rows of names (migration, pack, type, status, versions, timestamps: never cut,
never wrapped) and, last, one column of free text (a reason, a message). Off a terminal it
is printed as plain aligned lines, one per row, for grep, cut and awk; in a terminal as a
table when every name fits whole and the free text can wrap between words, else each row as
one line of names (never broken) with its text indented below it. docs/reference/cli.md
states the format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from ..contract.reports import MigrationOutcome, RunReport, Status
from .console import console, word_wrap

STYLE = {
    Status.PENDING: "cyan",
    Status.APPLIED: "green",
    Status.FAILED: "bold red",
    Status.INTERRUPTED: "red",
    Status.BLOCKED: "red",
    Status.DEFERRED: "yellow",
    Status.VETOED: "magenta",
    Status.NOT_APPLICABLE: "dim",
    Status.OUT_OF_RANGE: "dim",
    Status.FILTERED: "dim",
    Status.ORPHANED: "yellow",
    Status.ROLLED_BACK: "magenta",
    Status.OPT_IN: "dim",
    Status.HOST: "green",
}

GAP = "  "
"""Between the fields of a plain line (names never hold two spaces)."""
INDENT = 4
"""Of a row's free text under its names, when a table does not fit."""
EMPTY = "-"
"""A name field with no value, so that every plain line has the same fields."""


@dataclass(frozen=True)
class Field:
    """One cell: what a terminal shows (styled) and what a plain line holds."""

    text: Text
    plain: str

    @classmethod
    def of(cls, value: str | Text | Field | None, style: str = "") -> Field:
        if isinstance(value, Field):
            return value
        if isinstance(value, Text):
            return cls(value, value.plain)
        text = value or ""
        return cls(Text(text, style=style), text)


Cell = str | Text | Field | None


@dataclass
class Listing:
    """Rows of names, then (when ``free`` is set) the free text, under ``columns``' headers.

    The last column is the free text when ``free`` is true: it may hold several lines
    (joined with "; " on a plain line), and it is the only one ever wrapped.
    """

    columns: Sequence[str]
    rows: list[list[Field]] = field(default_factory=list)
    title: str | None = None
    free: bool = True
    styles: Sequence[str] = ()

    def add(self, *cells: Cell) -> None:
        styles = [*self.styles, *[""] * len(cells)]
        self.rows.append([Field.of(c, s) for c, s in zip(cells, styles, strict=False)])

    # -- names and free text ------------------------------------------------------------

    @property
    def _names(self) -> int:
        return len(self.columns) - 1 if self.free else len(self.columns)

    def _widths(self) -> list[int]:
        """The width of each name column: its widest value or header."""
        return [
            max([cell_len(self.columns[i])] + [cell_len(r[i].plain or EMPTY) for r in self.rows])
            for i in range(self._names)
        ]

    def plain_lines(self) -> Iterator[str]:
        widths = self._widths()
        for row in self.rows:
            names = [(c.plain or EMPTY).ljust(w) for c, w in zip(row, widths, strict=False)]
            free = "; ".join(row[-1].plain.splitlines()) if self.free else ""
            yield GAP.join([*names, free]).rstrip()

    # -- terminal ------------------------------------------------------------------------

    def _table(self, width: int) -> Table | None:
        """A table, if every name fits whole and the free text wraps only between words."""
        widths = self._widths()
        borders = 3 * len(self.columns) - 1  # padding 1 each side, 1 between columns
        free_width = 0
        if self.free:
            texts = [r[-1].plain for r in self.rows]
            longest_word = max((cell_len(w) for t in texts for w in t.split()), default=0)
            natural = max((cell_len(line) for t in texts for line in t.splitlines()), default=0)
            header = cell_len(self.columns[-1])
            least = max(longest_word, header, min(natural, 24))
            available = width - sum(widths) - borders
            if available < least:
                return None
            free_width = max(least, min(natural, available))
        elif sum(widths) + borders > width:
            return None
        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            header_style="bold",
        )
        for index, column in enumerate(self.columns[: self._names]):
            table.add_column(column, no_wrap=True, width=widths[index], overflow="ignore")
        if self.free:
            table.add_column(self.columns[-1], width=free_width, overflow="fold")
        for row in self.rows:
            table.add_row(*(c.text if c.plain else Text(EMPTY, style="dim") for c in row))
        return table

    def _stacked(self, width: int) -> Iterator[Text]:
        """Each row as its names on one line, its free text indented below. The names line
        is never broken (a status alone at the start of a line would read as a new row):
        when it is wider than the terminal, the terminal wraps it."""
        for row in self.rows:
            names = [c.text if c.plain else Text(EMPTY) for c in row[: self._names]]
            yield from _lines([Text(GAP).join(names)])
            if self.free and row[-1].plain:
                lines = word_wrap(row[-1].text, max(width - INDENT, 20))
                yield from _lines(Text.assemble(" " * INDENT, line) for line in lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not console.is_terminal:
            if self.title:
                yield Text(self.title)
            for line in self.plain_lines():
                yield Text(line, no_wrap=True, overflow="ignore")
            return
        if self.title:
            yield from _lines(word_wrap(Text(self.title, style="bold"), options.max_width))
        table = self._table(options.max_width)
        if table is not None:
            yield table
        else:
            yield from self._stacked(options.max_width)


def _lines(lines: Iterable[Text]) -> Iterator[Text]:
    for line in lines:
        line.no_wrap, line.overflow = True, "ignore"  # already broken between words
        yield line


def status_field(status: Status) -> Field:
    """A status as a terminal shows it (`not applicable`, coloured) and as a plain line
    holds it (its JSON value, `not_applicable`: one word, like every name field)."""
    return Field(Text(status.value.replace("_", " "), style=STYLE[status]), status.value)


def outcomes_table(outcomes: Iterable[MigrationOutcome], *, title: str | None = None) -> Listing:
    """migration, pack, type, status, then why (or what it does)."""
    columns = ("migration", "pack", "type", "status", "why / what")
    listing = Listing(columns, title=title, styles=("bold",))
    for outcome in outcomes:
        detail = outcome.reason or outcome.description
        if outcome.status is Status.NOT_APPLICABLE and outcome.description:
            detail = f"{outcome.reason}: {outcome.description}"
        text = Text(detail)
        if outcome.drift:
            joined = f"\n{detail}" if detail else ""
            text = Text.assemble(("drift: ", "yellow"), outcome.drift, joined)
        listing.add(
            outcome.name,
            outcome.distribution,
            outcome.migration_type,
            status_field(outcome.status),
            text,
        )
    return listing


def short_fingerprint(fingerprint: str | None) -> str:
    """A code fingerprint as `git log` shows a commit: its scheme, 12 hex digits."""
    if not fingerprint:
        return EMPTY
    scheme, colon, digest = fingerprint.rpartition(":")
    return f"{scheme}{colon}{digest[:12]}"


def labelled(label: str, text: str) -> Text:
    """`label: text`, the label coloured; the text is taken as it is (no markup)."""
    return Text.assemble((f"{label}:", "yellow"), " ", text)


def problems(lines: Iterable[str], *, to: Console = console) -> None:
    """Each pack, plugin or state problem as one `warning:` line."""
    for line in lines:
        to.print(labelled("warning", line), soft_wrap=True)  # paths stay whole


def summary(report: RunReport) -> str:
    counted = [(status, report.count(status)) for status in Status]
    return ", ".join(
        f"{count} {status.value.replace('_', ' ')}" for status, count in counted if count
    )


NO_NEWLINE = "\\ No newline at end of file"

DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan", "\\": "dim"}


def diff_lines(diff: str) -> Iterator[Text]:
    """A unified diff, one Text per line, whole: a line is never cut or folded."""
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            yield Text(line, style="bold")
        else:
            yield Text(line, style=DIFF_STYLE.get(line[:1], ""))


def not_undoable(outcome: MigrationOutcome) -> None:
    """What a migration did that no journal can undo (a subprocess), where it did it."""
    for attempt in outcome.not_undoable:
        console.print(
            f"  [yellow]not undoable[/] {attempt.operation} {attempt.path} (at {attempt.where})",
            soft_wrap=True,
        )


def planned_changes(outcome: MigrationOutcome) -> None:
    """A dry run's diffs, per file, the Cypher a schema migration would run, and what it
    tried outside the helpers (refused: not previewable)."""
    for attempt in outcome.not_previewable:
        console.print(
            f"  [yellow]not previewable[/] {attempt.operation} {attempt.path} (at {attempt.where})",
            soft_wrap=True,
        )
    for change in outcome.planned:
        where = f"{change.path} -> {change.target}" if change.target else change.path
        console.print(Text.assemble("  ", (change.action, "cyan"), " ", where), soft_wrap=True)
        if change.action == "cypher":
            for line in change.diff.splitlines():
                console.print(Text(line, style="magenta"), soft_wrap=True)
        elif change.diff:
            for shown in diff_lines(change.diff):
                console.print(shown, soft_wrap=True)  # the terminal wraps it; nothing is cut
