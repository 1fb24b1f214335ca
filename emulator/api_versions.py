"""The api-versions ARM serves, per type and per provider namespace (lower-cased keys).

Read from ``emulator/data/api_versions.json.gz``, written by
``python -m emulator.tools.gen_api_versions`` (sources named there: every type and version ARM
publishes, from the ARM type index of the REST specs, plus the installed SDKs' request
builders, live ARM traffic in the test recordings and the version folders of Microsoft's REST
spec examples). A path that is no listed type (an action, a view, a poll) is served at any
version its provider publishes; a provider the data does not know accepts any well-formed version.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "api_versions.json.gz"


def _load() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    data = json.loads(gzip.decompress(_DATA.read_bytes()))
    types = {arm_type: frozenset(versions) for arm_type, versions in data["types"].items()}
    providers = {namespace: frozenset(versions) for namespace, versions in data["providers"].items()}
    return types, providers


KNOWN_API_VERSIONS: dict[str, frozenset[str]]
PROVIDER_API_VERSIONS: dict[str, frozenset[str]]
KNOWN_API_VERSIONS, PROVIDER_API_VERSIONS = _load()
