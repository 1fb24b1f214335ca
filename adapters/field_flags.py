"""What ARM's type definitions say about a body's fields, for the comparison of any type.

Read from ``adapters/data/field_flags.jsonl.gz`` (``python -m adapters.tools.gen_field_flags`` writes
it from the ARM type index, Azure/bicep-types-az generated from the REST specs): per type and
api-version the paths that are ``readOnly`` (the server owns them: never compared), ``writeOnly``
(never returned: compared by fingerprint at most), string enums (compared case-insensitively) and
whether ``location`` is required (a child that does not require one has none worth comparing).
Paths are dotted, ``[]`` = every list item, ``.*`` = every map value; a flag covers its subtree.

Parsed per provider namespace on first use. Without an api-version (a body whose version is not
known), the newest stable definition's flags; enums of every definition.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data" / "field_flags.jsonl.gz"


@dataclass(frozen=True)
class FieldFlags:
    """One type's flags (at one api-version, or across all of them)."""

    read_only: frozenset[str]
    write_only: frozenset[str]
    enums: frozenset[str]
    location_required: bool
    #: readable but writable at no scope (SQL automaticTuning): its read-only marks are no statement
    server_owned: bool = False


@functools.cache
def _namespaces() -> dict[str, str]:
    text = gzip.decompress(_DATA.read_bytes()).decode("utf-8")
    _header, _, rest = text.partition("\n")
    return dict(line.split("\t", 1) for line in rest.splitlines() if line)


@functools.cache
def _namespace(namespace: str) -> dict[str, list[dict[str, Any]]]:
    raw = _namespaces().get(namespace)
    return {} if raw is None else dict(json.loads(raw))


@functools.lru_cache(maxsize=1024)
def flags_for(arm_type: str, api_version: str | None = None) -> FieldFlags | None:
    """The flags of a type at a version (the newest stable definition without a version or for a
    version none covers); None for a type ARM's index does not define."""
    type_key = arm_type.lower()
    definitions = _namespace(type_key.split("/", 1)[0]).get(type_key)
    if not definitions:
        return None
    stable = [d for d in definitions if any("preview" not in v for v in d["v"])] or definitions
    chosen = stable[-1] if api_version is None else next((d for d in definitions if api_version in d["v"]), stable[-1])
    return FieldFlags(
        read_only=frozenset(chosen.get("ro", ())),
        write_only=frozenset(chosen.get("wo", ())),
        # an enum in any version is one: comparing it case-insensitively hides nothing
        enums=frozenset(p for d in definitions for p in d.get("en", ())),
        location_required=bool(chosen.get("lr")),
        server_owned=bool(chosen.get("so")),
    )


@functools.lru_cache(maxsize=1024)
def newest_stable_version(arm_type: str) -> str | None:
    """The newest api-version without `-preview` that ARM's type index defines for a type (its
    newest preview when it has only previews); None for a type the index does not define. The
    index is generated from the REST specs providers publish their api-versions in, as Bicep
    and Pulumi's azure-native pin theirs."""
    type_key = arm_type.lower()
    versions: list[str] = sorted({str(v) for d in _namespace(type_key.split("/", 1)[0]).get(type_key) or ()
                                  for v in d["v"]})
    stable = [v for v in versions if "preview" not in v.lower()]
    chosen = stable or versions
    return chosen[-1] if chosen else None

