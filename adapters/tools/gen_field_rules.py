"""Generate `adapters/field_rules.py`: per ARM type, the fields ARM will not
read back as written, from facts.

    python -m adapters.tools.gen_field_rules \\
        --cases tests/fixtures/recordings/cases.json --cases tests/fixtures/recordings2/cases.json.gz \\
        --examples tests/fixtures/arm-examples [--spec SWAGGER.json ...]

Sources, strongest first:

1. Real read-backs (`--cases`, recorded against live Azure): a field sent in a
   PUT whose later GET answer has the same parent object but not the field
   (absent or null) is write-only; a string returned equal but for its
   casing is an enum the provider re-cases.
2. Microsoft's REST examples (`--examples`, PUT request vs its 200/201 or the
   type's GET answer): the same two observations.
3. REST specs (`--spec`, swagger files of Azure/azure-rest-api-specs, when a
   checkout is at hand): `x-ms-secret: true` or `x-ms-mutability` without
   `read` is write-only; `x-ms-mutability: ["create", "read"]` (no `update`)
   is create-only. The definitions are walked from each PUT's body parameter.
4. `SPEC_FACTS` below: facts from the specs' documentation cited one by one,
   for fields none of the data above shows.

A field returned by any observation of its type is never write-only (the
real data wins over a guess from one example). Only top-level paths and
paths under `properties` are kept; list members are written with `[]`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parents[1] / "field_rules.py"

#: (type, path, kind, source): facts for fields the data does not show.
SPEC_FACTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Microsoft.Sql/servers/databases", "properties.createMode", "create_only",
        "REST spec Microsoft.Sql Databases.json: `createMode` 'Specifies the mode of database creation' "
        "(Default, Copy, Secondary, PointInTimeRestore, ...): an instruction for the create, absent from "
        "every GET (arm-examples Microsoft.Sql__servers__databases__GET.json, recordings sql cases)",
    ),
    (
        "Microsoft.Sql/servers/databases", "properties.sourceDatabaseId", "create_only",
        "REST spec Microsoft.Sql Databases.json: 'the resource ID of the source database if createMode is "
        "Copy, ...': read only with the create mode that uses it",
    ),
)


def _leaves(body: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every declared field; objects are walked, lists of
    objects by member (`[]`), other values are leaves."""
    if isinstance(body, Mapping):
        for key, value in body.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path, value
            if isinstance(value, Mapping):
                yield from _leaves(value, path)


def _lookup(body: Any, path: str) -> tuple[bool, Any]:
    """(parent present, value) of a dotted path, keys matched case-insensitively."""
    node = body
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(node, Mapping):
            return False, None
        lowered = {k.lower(): k for k in node}
        key = lowered.get(part.lower())
        if key is None:
            return False, None
        node = node[key]
    if not isinstance(node, Mapping):
        return False, None
    lowered = {k.lower(): k for k in node}
    key = lowered.get(parts[-1].lower())
    return True, (node[key] if key is not None else None)


def _all_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, Mapping):
        return all(_all_null(v) for v in value.values())
    return False


_SKIP = re.compile(r"^(id|name|type|etag|location|tags|properties)$")


def observe(sent: Mapping[str, Any], returned: Mapping[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """(absent, returned, re-cased) paths of one PUT body against one answer."""
    absent: set[str] = set()
    present: set[str] = set()
    recased: set[str] = set()
    covered: set[str] = set()
    for path, value in _leaves(sent):
        if _SKIP.match(path) or any(path.startswith(c + ".") for c in covered):
            continue
        parent_there, got = _lookup(returned, path)
        if not parent_there:
            continue
        if value is not None and _all_null(got) and not (isinstance(value, Mapping) and not value):
            absent.add(path)
            covered.add(path)  # the whole object is missing: its fields are not listed one by one
            continue
        present.add(path)
        if isinstance(value, str) and isinstance(got, str) and value != got and value.lower() == got.lower():
            recased.add(path)
    return absent, present, recased


class Findings:
    def __init__(self) -> None:
        # type key -> path -> (kind, source)
        self.rules: dict[str, dict[str, tuple[str, str]]] = {}
        self.returned: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}

    def add(self, arm_type: str, path: str, kind: str, source: str) -> None:
        key = arm_type.lower()
        self.names.setdefault(key, arm_type)
        self.rules.setdefault(key, {}).setdefault(path, (kind, source))

    def record(self, arm_type: str, sent: Mapping[str, Any], returned: Mapping[str, Any], source: str) -> None:
        absent, present, recased = observe(sent, returned)
        key = arm_type.lower()
        self.returned.setdefault(key, set()).update(present)
        for path in sorted(absent):
            self.add(arm_type, path, "write_only", f"sent, not returned: {source}")
        for path in sorted(recased):
            self.add(arm_type, path, "case_insensitive", f"returned re-cased: {source}")

    def settle(self) -> dict[str, dict[str, tuple[str, str]]]:
        """Drop write-only findings that another observation shows returned."""
        out: dict[str, dict[str, tuple[str, str]]] = {}
        for key, paths in sorted(self.rules.items()):
            seen = self.returned.get(key, set())
            kept = {
                p: rule for p, rule in sorted(paths.items())
                if not (rule[0] == "write_only" and p in seen and "REST spec" not in rule[1])
            }
            if kept:
                out[self.names[key]] = kept
        return out


def from_cases(findings: Findings, cases_path: Path) -> None:
    raw = cases_path.read_bytes()
    for case in json.loads(gzip.decompress(raw) if cases_path.suffix == ".gz" else raw):
        for path in case.get("write_only_stripped") or ():
            # the recorder's own finding: absent from every answer it saw for this resource
            findings.add(case["type"], path, "write_only", f"recordings {case['source_file']} (never returned)")
        if case.get("live_source") != "get":
            continue  # a PUT's own answer or a poll may hold less than a GET
        findings.record(case["type"], case["desired_raw"], case["live"], f"recordings {case['source_file']}")


def from_examples(findings: Findings, folder: Path) -> None:
    for put in sorted(folder.glob("*__PUT.json")):
        arm_type = "/".join(put.stem.split("__")[:-1])
        content = json.loads(put.read_text(encoding="utf-8"))
        params = content["example"]["parameters"]
        bodies = {k: v for k, v in params.items() if isinstance(v, dict)}
        sent = bodies.get("parameters") or next(iter(bodies.values()), None)
        if not isinstance(sent, dict):
            continue
        get = put.with_name(put.name.replace("__PUT.json", "__GET.json"))
        answers: list[tuple[str, Any]] = []
        if get.exists():
            g = json.loads(get.read_text(encoding="utf-8"))
            answers.append((g["source_path"], g["example"]["responses"].get("200", {}).get("body")))
        for code in ("200", "201"):
            answers.append((content["source_path"], content["example"]["responses"].get(code, {}).get("body")))
        for source, body in answers:
            if isinstance(body, dict):
                # An example GET may show another resource than the PUT: only its absences count
                # when its shape matches (same top-level keys present).
                findings.record(arm_type, sent, body, f"arm-examples {source}")


def _walk_schema(spec: Mapping[str, Any], schema: Mapping[str, Any], prefix: str, depth: int = 0) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if depth > 6:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        schema = spec.get("definitions", {}).get(ref.rsplit("/", 1)[-1], {})
    for parent in schema.get("allOf", []) or []:
        yield from _walk_schema(spec, parent, prefix, depth + 1)
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path, prop
        yield from _walk_schema(spec, prop, path, depth + 1)


def from_spec(findings: Findings, swagger: Path) -> None:
    spec = json.loads(swagger.read_text(encoding="utf-8"))
    for url, operations in (spec.get("paths") or {}).items():
        put = operations.get("put") if isinstance(operations, dict) else None
        if not isinstance(put, dict):
            continue
        segments = [s for s in url.split("/") if s]
        try:
            at = max(i for i, s in enumerate(segments) if s.lower() == "providers")
        except ValueError:
            continue
        namespace = segments[at + 1]
        kinds = [s for s in segments[at + 2 :: 2] if not s.startswith("{")]
        arm_type = "/".join([namespace, *kinds])
        body = next((p for p in put.get("parameters", []) if isinstance(p, dict) and p.get("in") == "body"), None)
        if body is None:
            continue
        for path, prop in _walk_schema(spec, body.get("schema", {}), ""):
            mutability = prop.get("x-ms-mutability")
            source = f"REST spec {swagger.name} (x-ms-mutability {mutability}, x-ms-secret {prop.get('x-ms-secret')})"
            if prop.get("x-ms-secret") is True or (isinstance(mutability, list) and "read" not in mutability):
                findings.add(arm_type, path, "write_only", source)
            elif isinstance(mutability, list) and "update" not in mutability and "create" in mutability:
                findings.add(arm_type, path, "create_only", source)


def render(rules: Mapping[str, Mapping[str, tuple[str, str]]]) -> str:
    lines = [
        '"""Fields ARM does not read back as written, per type: GENERATED by',
        "`python -m adapters.tools.gen_field_rules` (see its docstring for the sources); do not edit.",
        "",
        "kind: `write_only` (sent, never compared), `create_only` (sent on create, never",
        "compared), `case_insensitive` (an enum the provider re-cases).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "#: ARM type -> dotted path -> (kind, source).",
        "FIELD_RULES: dict[str, dict[str, tuple[str, str]]] = {",
    ]
    for arm_type, paths in rules.items():
        lines.append(f"    {arm_type!r}: {{")
        for path, (kind, source) in paths.items():
            lines.append(f"        {path!r}: (")
            lines.append(f"            {kind!r},")
            lines.append(f"            {source!r},")
            lines.append("        ),")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=Path, action="append", required=True, help="a recorded corpus's cases (repeatable)")
    parser.add_argument("--examples", type=Path, required=True)
    parser.add_argument("--spec", type=Path, action="append", default=[])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    findings = Findings()
    for arm_type, path, kind, source in SPEC_FACTS:
        findings.add(arm_type, path, kind, source)
    for swagger in args.spec:
        from_spec(findings, swagger)
    for cases in args.cases:
        from_cases(findings, cases)
    from_examples(findings, args.examples)
    args.output.write_text(render(findings.settle()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
