"""How real ARM answered writes, per type: the shapes recorded from live traffic.

Data: ``emulator/data/answer_shapes.json`` (``python -m emulator.tools.gen_answer_shapes``
derives it from recorded live ARM traffic). Where a type has a recorded shape it wins over
the documentation-derived style in ``emulator.types`` (real traffic is the referee).
Roles: ``PUT-create``, ``PUT-update``, ``PATCH``, ``DELETE``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "answer_shapes.json"
_TERMINAL = frozenset({"succeeded", "failed", "canceled"})


@dataclass(frozen=True)
class AnswerShape:
    """One recorded answer: status, which LRO headers, body or not, provisioningState shown."""

    status: int
    async_operation: bool
    location: bool
    body: bool
    provisioning_state: str | None

    @property
    def running(self) -> bool:
        """The answer leaves work in progress (a header to poll, or a non-terminal state to poll the resource for)."""
        if self.async_operation or self.location or self.status == 202:
            return True
        return self.provisioning_state is not None and self.provisioning_state.lower() not in _TERMINAL


def _load() -> dict[str, dict[str, AnswerShape]]:
    types = json.loads(_DATA.read_text(encoding="utf-8"))["types"]
    return {t: {role: AnswerShape(**answer) for role, answer in roles.items()} for t, roles in types.items()}


SHAPES: dict[str, dict[str, AnswerShape]] = _load()

# Types in use that the recordings do not show, from Microsoft's REST specs: Cosmos DB SQL
# databases and containers are long-running (x-ms-long-running-operation; example
# CosmosDBSqlDatabaseCreateUpdate.json, 2024-11-15: 200 with body or 202 without), and Cosmos
# DB answers its LROs with both Azure-AsyncOperation and Location, as the recorded
# databaseAccounts writes show.
_COSMOS_CHILD = {
    "PUT-create": AnswerShape(202, True, True, False, None),
    "PUT-update": AnswerShape(202, True, True, False, None),
    "DELETE": AnswerShape(202, True, True, False, None),
}
DOCUMENTED: dict[str, dict[str, AnswerShape]] = {
    "microsoft.documentdb/databaseaccounts/sqldatabases": _COSMOS_CHILD,
    "microsoft.documentdb/databaseaccounts/sqldatabases/containers": _COSMOS_CHILD,
}


def recorded(type_key: str, role: str) -> AnswerShape | None:
    """The answer of a type to a write, if real traffic (else, for a few types, the specs) shows it.

    An update PUT nobody recorded answers like the create, with 200 for 201 (ARM-SEMANTICS.md:
    201 Created only when the PUT creates).
    """
    roles = SHAPES.get(type_key) or DOCUMENTED.get(type_key)
    if roles is None:
        return None
    found = roles.get(role)
    if found is None and role == "PUT-update" and "PUT-create" in roles:
        create = roles["PUT-create"]
        return AnswerShape(200 if create.status == 201 else create.status, create.async_operation,
                           create.location, create.body, create.provisioning_state)
    return found
