"""The one pager: every listing that follows a continuation goes through `Pages` (issue 22).

ARM lists answer a page and a ``nextLink`` (Microsoft Learn, "Azure REST API reference:
Pagination", https://learn.microsoft.com/rest/api/azure/#async-operations-throttling-and-paging);
Resource Graph a page of at most 1,000 rows and a ``$skipToken`` ("Working with large Azure
resource data sets", https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data);
the Activity Log a page and a ``nextLink`` ("Activity Logs - List"). A service that answers the
same continuation twice would be followed forever (issue 22 saw ~500 pages in 30 s, ended only
by the hour's run budget); one that never stops would be followed as long.

So every listing is bounded here once:

- a continuation (link or token) seen twice in one listing ends it with `PagingError`, naming
  the endpoint (scheme, host and path: never the query, which may carry anything);
- at most `max_pages` pages per listing (``RECONCILER_MAX_PAGES``, default 1000: a million Resource
  Graph rows, ten times the largest estate's pages), then `PagingError`;
- a ``nextLink`` off the endpoint that gave the first page is refused too (the client pipeline's
  `EndpointGuardPolicy` would refuse to send it; here it is named as a listing's fault).

Users: the sibling and child lists (`adapters/siblings.py`, `adapters/services/resource.py`),
the generic resource listing, the Activity Log and Blob documents (SDK pagers, through `sdk_items`),
Resource Graph queries (`adapters/resource_graph.py`: graph mode and attribution). A test
(tests/reliability/test_paging.py) fails when a module iterates a listing any other way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError

from adapters.endpoint_guard import origin
from desired_state.errors import ReconcilerError

#: Pages one listing may have (``RECONCILER_MAX_PAGES`` overrides).
DEFAULT_MAX_PAGES = 1000
MAX_PAGES_VARIABLE = "RECONCILER_MAX_PAGES"

T = TypeVar("T")


class PagingError(ReconcilerError, AzureError):
    """A listing that does not end: a continuation repeated, too many pages, or a page elsewhere."""

    outcome = "transient"  # the service's fault; the next run lists again


def max_pages(environ: dict[str, str] | None = None) -> int:
    """The page cap per listing: ``RECONCILER_MAX_PAGES`` (a whole number >= 1) or the default."""
    raw = (os.environ if environ is None else environ).get(MAX_PAGES_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_PAGES
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{MAX_PAGES_VARIABLE}={raw!r}: not a whole number of pages; set it like 1000 or unset it")
    return int(raw)


def endpoint_of(url: str) -> str:
    """``scheme://host:port/path`` of a URL: what a message may name of a service-chosen link."""
    parts = urlsplit(url)
    if not parts.scheme:
        return parts.path
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}{parts.path}"


class Pages:
    """The continuation bookkeeping of one listing: call `follow(token)` with each page's
    continuation; it answers whether to go on and raises `PagingError` when the listing must end."""

    def __init__(self, endpoint: str, *, kind: str = "nextLink", base_url: str | None = None,
                 limit: int | None = None) -> None:
        self.endpoint = endpoint
        self.kind = kind
        self.base = origin(base_url) if base_url else None
        self.limit = limit if limit is not None else max_pages()
        self.pages = 0
        self._seen: set[str] = set()

    def follow(self, continuation: Any) -> str | None:
        """Count the page just read; its continuation to fetch next, or None at the end."""
        self.pages += 1
        if not isinstance(continuation, str) or not continuation:
            return None
        if continuation in self._seen:
            raise PagingError(
                f"listing {self.endpoint}: the service answered the same {self.kind} twice (after {self.pages} "
                "page(s)); the listing was stopped, since following it would never end"
            )
        self._seen.add(continuation)
        if self.pages >= self.limit:
            raise PagingError(
                f"listing {self.endpoint}: more than {self.limit} pages; stopped ({MAX_PAGES_VARIABLE} sets the cap)"
            )
        elsewhere = self.base is not None and urlsplit(continuation).scheme and origin(continuation) != self.base
        if self.kind == "nextLink" and elsewhere:
            scheme, host, port = origin(continuation)
            raise PagingError(
                f"listing {self.endpoint}: its nextLink points to {scheme}://{host}:{port}, not the ARM endpoint; "
                "not followed (no credential was sent)"
            )
        return continuation


def sdk_pages(paged: Any, endpoint: str, *, limit: int | None = None) -> Iterator[Any]:
    """The pages of an azure-core `ItemPaged` (an SDK list operation), each continuation checked:
    the SDK's pager follows ``nextLink`` itself, so its `continuation_token` is watched."""
    by_page = paged.by_page()
    pages = Pages(endpoint, limit=limit)
    for page in by_page:
        yield page
        if pages.follow(getattr(by_page, "continuation_token", None)) is None:
            return


def sdk_items(paged: Iterable[T] | Any, endpoint: str, *, limit: int | None = None) -> Iterator[T]:
    """The items of an SDK list operation, through `sdk_pages`."""
    for page in sdk_pages(paged, endpoint, limit=limit):
        yield from page
