"""A Markdown plan as a reader's browser gets it: rendered by a CommonMark parser with GitHub's
table extension and raw HTML passed through (what GitHub does before sanitising), then parsed
into the tags and text a person sees."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt


def to_html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


@dataclass
class Page:
    """The tags opened and closed, the text (character references decoded), and the summary
    lines of the `<details>` sections in order."""

    opened: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)
    text: str = ""
    summaries: list[str] = field(default_factory=list)
    #: The rows of each table, each row its cells' text.
    tables: list[list[list[str]]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._texts: list[str] = []
        self._summary: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.opened[tag] += 1
        if tag == "summary":
            self._summary = []
        elif tag == "table":
            self.page.tables.append([])
        elif tag == "tr":
            self.page.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        self.page.closed[tag] += 1
        if tag == "summary" and self._summary is not None:
            self.page.summaries.append("".join(self._summary).strip())
            self._summary = None
        elif tag in ("td", "th") and self._cell is not None:
            self.page.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        self._texts.append(data)
        for sink in (self._summary, self._cell):
            if sink is not None:
                sink.append(data)


def read(markdown: str) -> Page:
    reader = _Reader()
    reader.feed(to_html(markdown))
    reader.close()
    reader.page.text = "".join(reader._texts)
    return reader.page
