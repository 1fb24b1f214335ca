"""Which Resource Graph table holds a resource type (``data/graph_types.json``, with its sources).

Resource Graph keeps most tracked top-level resources and a few child types in ``resources``;
subscriptions and resource groups in ``resourcecontainers``; role assignments and definitions in
``authorizationresources``; other types in their own tables or in none (subnets, queues, blob
containers, ...), which a caller must then list per parent through ARM.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "graph_types.json"
#: The type Resource Graph gives a resource group (ARM's own GET says Microsoft.Resources/resourceGroups).
RESOURCE_GROUP_TYPE = "microsoft.resources/subscriptions/resourcegroups"
SUBSCRIPTION_TYPE = "microsoft.resources/subscriptions"


@cache
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    table_of: dict[str, str] = {}
    for table, types in data["tables"].items():
        for type_key in types:
            # A type listed in `resources` and in a specialised table (dnszones/cname) is a `resources` row here.
            if table == "resources" or type_key not in table_of:
                table_of[type_key] = table
    return table_of, frozenset(data["in_no_table"])


def table_of(type_key: str, row_kind: str) -> str | None:
    """The table of a stored row's (lower-cased) type; ``row_kind`` is the store's rg/top/child/ext."""
    if row_kind == "rg" or type_key == "microsoft.resources/resourcegroups":
        return "resourcecontainers"
    listed, nowhere = _tables()
    if type_key in listed:
        return listed[type_key]
    if type_key in nowhere:
        return None
    return "resources" if row_kind == "top" else None


def types_in(table: str) -> list[str]:
    """The types the data file lists in a table (for documentation and tests)."""
    listed, _ = _tables()
    return sorted(t for t, name in listed.items() if name == table)
