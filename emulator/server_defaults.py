"""Server-filled fields per ARM type, derived from real PUT responses.

Read from ``emulator/data/server_defaults.json``, written by
``python -m emulator.tools.gen_server_defaults`` from Microsoft's REST examples
(copied in tests/fixtures/arm-examples): for each ``<type>__PUT.json`` the keys
of the 200 body (the 201 body for Microsoft.Cache/redis, whose 200 differs from
its request) that the request did not send, with the example's values.
Template conventions, applied by ``emulator.bodies``:

- ``"${id}"`` / ``"${name}"`` inside a string become the resource id / name, ``"${item_name}"``
  by the name of the list item, ``"${guid}"`` by a GUID stable per resource and path;
- a key ending in ``?`` is merged only when the request has that key;
- ``{"__each__": {...}}`` merges the template into every dict item of a list.

Curated out (``emulator/tools/server_defaults_curation.json``, each with its reason; example
quirks are also in the allow-list of the example test):
subnet delegations never sent, the metric alert's hidden-link tag; the example's own
values that the server computes from the resource (private endpoint NICs and DNS configs,
connection ids, a public IP's fqdn, a namespace's metricId, a site's resourceGroup and
workload profile): ``emulator.computed`` fills those from the resource itself. Values
holding another estate's resource ids are never applied (``emulator.bodies``).

``BODY_SHAPE`` is (has ``type``, has ``etag``, has ``properties.provisioningState``)
as the real response body shows it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data" / "server_defaults.json"


def _load() -> tuple[dict[str, dict[str, Any]], dict[str, tuple[bool, bool, bool]]]:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    shapes = {arm_type: (bool(a), bool(b), bool(c)) for arm_type, (a, b, c) in data["body_shape"].items()}
    return data["server_defaults"], shapes


SERVER_DEFAULTS: dict[str, dict[str, Any]]
BODY_SHAPE: dict[str, tuple[bool, bool, bool]]
SERVER_DEFAULTS, BODY_SHAPE = _load()
