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

import argparse
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
OUT = _ROOT / "adapters" / "data" / "field_flags.jsonl.gz"
ARM_TYPES = _ROOT / "tests" / "fixtures" / "arm-types" / "arm_types.json.gz"


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


def render(index: dict[str, Any]) -> str:
    by_namespace: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for arm_type, definitions in sorted(index["types"].items()):
        merged = by_namespace[arm_type.split("/", 1)[0].lower()].setdefault(arm_type.lower(), [])
        merged.extend(condensed(d) for d in definitions)
        merged.sort(key=lambda d: max(d["v"]))  # the newest last
    lines = [json.dumps({"source": index["source"]})]
    lines += [f"{ns}\t{json.dumps(types, sort_keys=True, separators=(',', ':'))}" for ns, types in sorted(by_namespace.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--arm-types", type=Path, default=ARM_TYPES)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    index = json.loads(gzip.decompress(args.arm_types.read_bytes()))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(gzip.compress(render(index).encode(), compresslevel=9, mtime=0))
    sys.stdout.write(f"{args.output}: {len(index['types'])} types\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
