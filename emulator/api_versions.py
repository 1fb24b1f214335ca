"""The api-versions ARM serves per type (lower-cased type -> versions).

Read from ``emulator/data/api_versions.json``, written by
``python -m emulator.tools.gen_api_versions`` (sources named there: the installed
SDKs' request builders in every API-version folder, live ARM traffic in the
test recordings, and the version folders of Microsoft's REST spec examples).
Types not listed here (and not under a listed parent type) accept any well-formed version.
"""

from __future__ import annotations

import json
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "api_versions.json"


def _load() -> dict[str, frozenset[str]]:
    types = json.loads(_DATA.read_text(encoding="utf-8"))["types"]
    return {arm_type: frozenset(versions) for arm_type, versions in types.items()}


KNOWN_API_VERSIONS: dict[str, frozenset[str]] = _load()
