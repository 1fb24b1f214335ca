"""Generate ``emulator/data/server_defaults.json``: the fields ARM fills in on a PUT, per type.

Source: Microsoft's REST examples, one ``<Namespace>__<type>__PUT.json`` per type
(Azure/azure-rest-api-specs, copied with provenance in ``tests/fixtures/arm-examples``).
For each, the keys of the response body (200, else 201) that the request did not send,
with the example's values, written as templates that ``emulator.bodies`` applies:

- a string holding the example's resource id or name becomes ``${id}`` / ``${name}``;
  a non-zero GUID becomes ``${guid}`` (a GUID stable per resource and path);
- a key the request sent whose value the server completes is written ``key?``
  (merged only when the request has that key), ``properties`` excepted;
- a list of objects the request sent becomes ``{"__each__": {...}}`` (merged into every item).

Then the curation of ``emulator/tools/server_defaults_curation.json`` is applied: per
type, paths dropped (example quirks; values ``emulator.computed`` derives from the
resource itself) and paths set (template markers the rules above cannot see), each
with its reason. ``body_shape`` is (has ``type``, has ``etag``, has
``properties.provisioningState``) as the example's response body shows it.

Run: ``python -m emulator.tools.gen_server_defaults [--arm-examples DIR] [--output FILE]``.
The emulator only reads the JSON; it never imports this module.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
OUT = _ROOT / "emulator" / "data" / "server_defaults.json"
EXAMPLES = _ROOT / "tests" / "fixtures" / "arm-examples"
CURATION = Path(__file__).resolve().parent / "server_defaults_curation.json"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ENVELOPE = frozenset({"id", "name", "type", "location", "etag"})


def _template(value: Any, rid: str, name: str) -> Any:
    if isinstance(value, dict):
        return {k: _template(v, rid, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_template(v, rid, name) for v in value]
    if not isinstance(value, str):
        return value
    if value.lower() == rid.lower():
        return "${id}"
    if value.lower().startswith(rid.lower() + "/"):
        return "${id}" + value[len(rid):]
    if _GUID.fullmatch(value) and value.strip("0-"):
        return "${guid}"
    if name and name.lower() in value.lower():
        at = value.lower().index(name.lower())
        return value[:at] + "${name}" + value[at + len(name):]
    return value


def completed(sent: Any, answered: Any, rid: str, name: str, top: bool = False) -> Any:
    """What `answered` holds that `sent` did not, as a template (None: nothing)."""
    if isinstance(answered, dict):
        sent_dict = sent if isinstance(sent, dict) else {}
        out: dict[str, Any] = {}
        for key, value in answered.items():
            if top and key in _ENVELOPE:
                continue
            if key == "provisioningState":
                continue
            if key not in sent_dict:
                if top and key == "properties" and isinstance(value, dict):
                    value = {k: v for k, v in value.items() if k != "provisioningState"}
                    if not value:
                        continue
                out[key] = _template(value, rid, name)
                continue
            inner = completed(sent_dict[key], value, rid, name)
            if inner:
                plain = (top and key == "properties") or isinstance(value, list)
                out[key if plain else f"{key}?"] = inner
        return out
    if isinstance(answered, list) and isinstance(sent, list) and answered and isinstance(answered[0], dict):
        each = completed(sent[0] if sent else {}, answered[0], rid, name)
        return {"__each__": each} if each else None
    return None


def _get(node: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for key in path:
        node = node.setdefault(key, {})
    return node


def curate(arm_type: str, defaults: dict[str, Any], curation: dict[str, Any]) -> None:
    """Apply the curation's `drop` and `set` paths (lists of keys) to one type's template.
    A drop that finds nothing is an error: the curation no longer matches the examples."""
    for path in curation.get("drop", []):
        parent: Any = defaults
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent:
            raise ValueError(f"{arm_type}: curation drops {'.'.join(path)}, which the example no longer has")
        del parent[path[-1]]
    for path, value in curation.get("set", []):
        _get(defaults, path[:-1])[path[-1]] = value


def _shape(body: dict[str, Any]) -> list[bool]:
    props = body.get("properties")
    return ["type" in body, "etag" in body, isinstance(props, dict) and "provisioningState" in props]


def generate(examples: Path, curation_file: Path) -> dict[str, Any]:
    curation: dict[str, Any] = json.loads(curation_file.read_text(encoding="utf-8"))["types"]
    defaults: dict[str, Any] = {}
    shapes: dict[str, list[bool]] = {}
    for file in sorted(examples.glob("*__PUT.json")):
        arm_type = "/".join(file.name.removesuffix("__PUT.json").split("__")).lower()
        data = json.loads(file.read_text(encoding="utf-8"))["example"]
        curated = curation.get(arm_type, {})
        responses = data["responses"]
        status = curated.get("response") or ("200" if "200" in responses else "201")
        body = responses[status].get("body") or {}
        # The request body is the example's one object-valued parameter (named per operation).
        sent = next((v for v in data["parameters"].values() if isinstance(v, dict)), {})
        rid = str(body.get("id") or "")
        name = rid.rstrip("/").rsplit("/", 1)[-1] if rid else ""
        template = completed(sent, body, rid, name, top=True) or {}
        curate(arm_type, template, curated)
        defaults[arm_type] = template
        shapes[arm_type] = curated.get("body_shape") or _shape(body)
    return {
        "generated_by": "python -m emulator.tools.gen_server_defaults",
        "source": "Azure/azure-rest-api-specs examples (tests/fixtures/arm-examples), "
        "curated by emulator/tools/server_defaults_curation.json",
        "server_defaults": dict(sorted(defaults.items())),
        "body_shape": dict(sorted(shapes.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--arm-examples", type=Path, default=EXAMPLES)
    parser.add_argument("--curation", type=Path, default=CURATION)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    payload = generate(args.arm_examples, args.curation)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"{args.output}: {len(payload['server_defaults'])} types\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
