"""The ARM type index (``tests/fixtures/arm-types/arm_types.json.gz``, condensed from
Azure/bicep-types-az; see its README) as the two field-flag generators write it: one line per
provider namespace, ``<namespace>\\t<json>``, the JSON mapping each lower-cased type to its
definitions, newest last, so that a reader parses only the providers it needs.

``python -m emulator.tools.gen_field_flags`` writes every definition whole (the emulator's read-back
and refusals); ``python -m adapters.tools.gen_field_flags`` writes the paths the comparison reads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARM_TYPES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "arm-types" / "arm_types.json.gz"

Definition = dict[str, Any]


def by_namespace(index: dict[str, Any], each: Callable[[Definition], Definition]) -> dict[str, dict[str, list[Definition]]]:
    """namespace -> lower-cased type -> `each` of its definitions, the newest last (two spellings of
    one type merged)."""
    raw: dict[str, dict[str, list[Definition]]] = defaultdict(dict)
    for arm_type, definitions in sorted(index["types"].items()):
        merged = raw[arm_type.split("/", 1)[0].lower()].setdefault(arm_type.lower(), [])
        merged.extend(definitions)
        merged.sort(key=lambda definition: max(definition["apiVersions"]))
    return {ns: {t: [each(d) for d in ds] for t, ds in types.items()} for ns, types in raw.items()}


def render(header: str, namespaces: dict[str, dict[str, list[Definition]]]) -> str:
    lines = [header]
    lines += [f"{ns}\t{json.dumps(types, sort_keys=True, separators=(',', ':'))}" for ns, types in sorted(namespaces.items())]
    return "\n".join(lines) + "\n"


def generate(argv: list[str] | None, doc: str | None, output: Path, text: Callable[[dict[str, Any]], str]) -> int:
    """The generators' command line: read the index, write `text(index)` gzipped (reproducibly)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n", 1)[0])
    parser.add_argument("--arm-types", type=Path, default=ARM_TYPES)
    parser.add_argument("--output", type=Path, default=output)
    args = parser.parse_args(argv)
    index = json.loads(gzip.decompress(args.arm_types.read_bytes()))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(gzip.compress(text(index).encode(), compresslevel=9, mtime=0))
    sys.stdout.write(f"{args.output}: {len(index['types'])} types\n")
    return 0
