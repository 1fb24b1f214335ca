"""Generate ``emulator/data/field_flags.jsonl.gz``: every ARM type's field flags at every api-version.

Source: ``tests/fixtures/arm-types/arm_types.json.gz`` (condensed from Azure/bicep-types-az, which
generates it from the azure-rest-api-specs; see its README): per resource type, its distinct
definitions, each with the api-versions it covers, its ``readOnly`` and ``writeOnly`` paths, its
string enums with their canonical values and whether ``location`` is required.

Layout, so that the emulator parses only the providers a request names (cold start): the first
line is a header (``source``, ``enumValues``: the enum value lists), then one line per provider
namespace, ``<namespace>\\t<json>``, the JSON mapping each lower-cased type to its definitions.

Run: ``python -m emulator.tools.gen_field_flags [--arm-types FILE] [--output FILE]``.
The emulator only reads the data (``emulator.field_flags``); it never imports this module.
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
OUT = _ROOT / "emulator" / "data" / "field_flags.jsonl.gz"
ARM_TYPES = _ROOT / "tests" / "fixtures" / "arm-types" / "arm_types.json.gz"


def by_namespace(index: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """namespace -> lower-cased type -> its definitions (two spellings of one type merged)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for arm_type, definitions in sorted(index["types"].items()):
        namespace = arm_type.split("/", 1)[0].lower()
        merged = out[namespace].setdefault(arm_type.lower(), [])
        merged.extend(definitions)
        merged.sort(key=lambda definition: max(definition["apiVersions"]))  # the newest last
    return out


def render(index: dict[str, Any]) -> str:
    lines = [json.dumps({"source": index["source"], "enumValues": index["enumValues"]}, separators=(",", ":"))]
    for namespace, types in sorted(by_namespace(index).items()):
        lines.append(f"{namespace}\t{json.dumps(types, sort_keys=True, separators=(',', ':'))}")
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
