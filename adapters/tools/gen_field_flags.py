"""Generate ``adapters/data/field_flags.jsonl.gz``: the paths the comparison reads from ARM's type definitions.

Source: ``tests/fixtures/arm-types/arm_types.json.gz`` (condensed from Azure/bicep-types-az, which
generates it from the azure-rest-api-specs; see its README). Per type and definition: the
api-versions it covers, its ``readOnly`` and ``writeOnly`` paths, the paths that are string enums
(their values are the emulator's business, not the comparison's) and whether ``location`` is
required or the type is server-owned (readable, writable at no scope: its definition then marks
everything read-only, which says nothing of what a PATCH changes). One line per provider namespace (``<namespace>\\t<json>``), so that a process parses only
the providers it compares.

Run: ``python -m adapters.tools.gen_field_flags [--arm-types FILE] [--output FILE]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.arm_type_index import by_namespace, generate, render

OUT = Path(__file__).resolve().parents[2] / "adapters" / "data" / "field_flags.jsonl.gz"


def condensed(definition: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"v": definition["apiVersions"]}
    for key, short in (("readOnly", "ro"), ("writeOnly", "wo")):
        if definition[key]:
            out[short] = definition[key]
    if definition["enums"]:
        out["en"] = sorted(definition["enums"])
    if definition.get("locationRequired"):
        out["lr"] = True
    if definition.get("serverOwned"):
        out["so"] = True
    return out


def text(index: dict[str, Any]) -> str:
    return render(json.dumps({"source": index["source"]}), by_namespace(index, condensed))


def main(argv: list[str] | None = None) -> int:
    return generate(argv, __doc__, OUT, text)


if __name__ == "__main__":
    raise SystemExit(main())
