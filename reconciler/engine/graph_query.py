"""KQL for the Resource Graph queries the engine asks (graph mode, attribution); the queries are
sent, paged and kept within the caller's quota by `adapters.resource_graph.GraphQuery`."""

from __future__ import annotations

from adapters.resource_graph import PAGE_ROWS, QUERY_PATH, GraphQuery

__all__ = ["PAGE_ROWS", "QUERY_PATH", "GraphQuery", "kql_list", "kql_string"]


def kql_string(value: str) -> str:
    """A KQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def kql_list(values: list[str]) -> str:
    """``('a', 'b')`` for ``in~``."""
    return "(" + ", ".join(kql_string(v) for v in values) + ")"
