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

import json
from pathlib import Path
from typing import Any

from tools.arm_type_index import by_namespace, generate, render

OUT = Path(__file__).resolve().parents[2] / "emulator" / "data" / "field_flags.jsonl.gz"


def text(index: dict[str, Any]) -> str:
    header = json.dumps({"source": index["source"], "enumValues": index["enumValues"]}, separators=(",", ":"))
    return render(header, by_namespace(index, lambda definition: definition))


def main(argv: list[str] | None = None) -> int:
    return generate(argv, __doc__, OUT, text)


if __name__ == "__main__":
    raise SystemExit(main())
