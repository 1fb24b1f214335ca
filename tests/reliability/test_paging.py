"""The one pager (`adapters/paging.py`, issue 22): its rules, and a scan that fails when a
listing is followed without it. The CLI against a hostile ARM is in
`tests/reliability/guarantees.py` (class "paging")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapters.paging import Pages, PagingError, sdk_items

ROOT = Path(__file__).resolve().parents[2]
#: What following a listing looks like in code.
_CONTINUATIONS = {"nextLink", "$skipToken", "next_link"}
_PAGER_ATTRIBUTES = {"skip_token", "by_page", "continuation_token"}
#: Modules that may name a continuation without following one.
EXEMPT = {
    "adapters/paging.py": "the pager itself",
    "adapters/direct_reads.py": "serves one first page (`_OnePage`); adapters/siblings.py follows the rest",
    "adapters/endpoint_guard.py": "names nextLink in its docstring only",
    "adapters/generic.py": "continuation_token of a long-running operation's poller, not of a listing",
}
#: Listing functions of ours (each through the pager), not SDK operations.
OURS = {"list_owned", "list_children", "list_resources", "list_siblings"}


def _follows_a_listing(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in _CONTINUATIONS:
            found.append(repr(node.value))
        elif isinstance(node, ast.Attribute) and node.attr in _PAGER_ATTRIBUTES:
            found.append(f".{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg in _PAGER_ATTRIBUTES:
            found.append(f"{node.arg}=")
    return found


def _iterates_an_sdk_list(tree: ast.AST) -> list[int]:
    """`for x in client.thing.list(...)` / `list_by_...(...)`: an SDK pager iterated bare."""
    lines = []
    for node in ast.walk(tree):
        iters = [node.iter] if isinstance(node, ast.For) else [g.iter for g in getattr(node, "generators", [])]
        for it in iters:
            if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and (
                it.func.attr == "list" or it.func.attr.startswith("list_")
            ) and it.func.attr not in OURS:
                lines.append(it.lineno)
    return lines


def _imports_the_pager(tree: ast.AST) -> bool:
    return any(isinstance(n, ast.ImportFrom) and n.module == "adapters.paging" for n in ast.walk(tree))


def test_every_listing_goes_through_the_one_pager() -> None:
    offenders = []
    for package in ("reconciler", "adapters"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if module in EXEMPT or "/tools/" in module:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = _follows_a_listing(tree)
            if names and not _imports_the_pager(tree):
                offenders.append(f"{module}: follows {sorted(set(names))} without adapters.paging")
            offenders += [f"{module}:{line}: iterates an SDK list bare (wrap it in paging.sdk_items)"
                          for line in _iterates_an_sdk_list(tree)]
    assert not offenders, "\n".join(offenders)


def test_the_scan_sees_a_bare_listing() -> None:
    tree = ast.parse("def f(c):\n    for e in c.activity_logs.list(filter=x):\n        pass\n    return p['nextLink']\n")
    assert _iterates_an_sdk_list(tree) == [2]
    assert _follows_a_listing(tree) == ["'nextLink'"]


def test_a_repeated_continuation_ends_the_listing_naming_the_endpoint() -> None:
    pages = Pages("https://management.azure.com:443/subscriptions/s/resources")
    assert pages.follow("https://management.azure.com/next?page=2") is not None
    with pytest.raises(PagingError, match=r"listing https://management\.azure\.com:443/subscriptions/s/resources: "
                                          r"the service answered the same nextLink twice \(after 2 page"):
        pages.follow("https://management.azure.com/next?page=2")


def test_a_page_cap_ends_a_listing_that_never_repeats() -> None:
    pages = Pages("POST /providers/Microsoft.ResourceGraph/resources", kind="$skipToken", limit=5)
    with pytest.raises(PagingError, match="more than 5 pages"):
        for n in range(100):
            pages.follow(f"token-{n}")
    assert pages.pages == 5


def test_a_next_link_to_another_host_is_not_followed() -> None:
    pages = Pages("/x", base_url="https://management.azure.com")
    assert pages.follow("https://management.azure.com:443/x?p=2")
    with pytest.raises(PagingError, match=r"points to https://evil\.example:443"):
        pages.follow("https://evil.example/x?p=3")


class _Pager:
    """An azure-core PageIterator's shape: iterable pages and a continuation_token."""

    def __init__(self, tokens: list[str | None]) -> None:
        self.tokens = tokens
        self.continuation_token: str | None = None

    def __iter__(self) -> _Pager:
        return self

    def __next__(self) -> list[int]:
        if not self.tokens:
            raise StopIteration
        self.continuation_token = self.tokens.pop(0)
        return [1]


class _Paged:
    def __init__(self, tokens: list[str | None]) -> None:
        self.pager = _Pager(tokens)

    def by_page(self) -> _Pager:
        return self.pager


def test_an_sdk_pager_that_repeats_its_token_is_stopped() -> None:
    assert list(sdk_items(_Paged(["a", "b", None]), "/x")) == [1, 1, 1]
    with pytest.raises(PagingError, match="same nextLink twice"):
        list(sdk_items(_Paged(["a", "b", "a", "b"]), "/x"))
