"""Generate ``emulator/data/answer_shapes.json``: how ARM answers writes, by convention.

Sources: ``tests/fixtures/recordings*/interactions.jsonl[.gz]`` (live ARM traffic recorded by
the Azure SDK for Python's tests; MIT, Microsoft) and the ARM type index
(``tests/fixtures/arm-types``) for each type's class. Every successful write on a resource is
a sample: its role (first PUT on a resource in a recording = ``PUT-create``, later ones
``PUT-update``; ``PATCH``; ``DELETE``), the answer (status, ``Azure-AsyncOperation`` /
``Location`` present, body or none, ``provisioningState``) and the class of its type at the
request's api-version: ``ps`` when the definition has ``properties.provisioningState`` (what a
long-running type carries: read-only, or a writable enum in older specs;
``emulator.field_flags.marks_long_running``), else ``nops``.

Conventions, most specific first (``emulator.shapes.resolve`` applies them):

- ``providers``: per provider namespace and role, the most frequent answer of its types (per
  class, then for any class);
- ``arm``: ARM's common convention per role, each namespace voting once with its own majority
  (per class, then for any class), essential property first (long-running or not, then announced by
  a header or only by the resource's state, then which header, then the status code); where providers
  split between the two LRO headers, both: what a
  provider never recorded gets;
- ``types``: a type only where it departs from its provider's convention, naming the recordings
  that show it; ``recorded``: the roles each recorded type was seen in (the conventions speak for
  those; a type the emulator models but nobody recorded keeps its declared style).

A vote takes the most frequent (status, headers) first, then the most frequent body and state
among those answers. An update nobody recorded answers like the level's create, 200 for 201.

``actions``: how POST actions answer (status, ``Azure-AsyncOperation`` / ``Location``), per kind of
action (``read``: list/check/get/validate/generate/export, answered at once by every provider
recorded; ``do``: anything else, start/stop/restart/failover...): per provider and kind, ARM's
common answer per kind, and a (type, action) where it departs, naming its recordings.

``final_poll``: per provider, the status of the last poll of a PUT's ``Location`` (its operation
result) once the operation is done, where that URL is not the ``Azure-AsyncOperation`` one
(recorded: SQL answers 201 with the body, the others 200).

``child_location``: how a provider's child (proxy) resources return ``location`` (``parent``:
the parent's, ``none``: not at all), from recorded response bodies of child types whose
definition does not require one, and from the response bodies of Microsoft's REST examples
(``tests/fixtures/arm-examples``); per namespace (the majority of its types) and per type where
it departs.

Run: ``python -m emulator.tools.gen_answer_shapes [--exclude-namespace NS ...] [--output FILE]``
(rewrites the file; excluding namespaces learns without them, to measure how the conventions
generalise to providers never seen: ``tests/emulator/holdout.py``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.field_flags import marks_long_running
from emulator.shapes import ROLES, AnswerShape, resolve
from emulator.tools import provider_habits

_ROOT = Path(__file__).resolve().parents[2]
OUT = _ROOT / "emulator" / "data" / "answer_shapes.json"
RECORDINGS = (_ROOT / "tests" / "fixtures" / "recordings" / "interactions.jsonl",
              _ROOT / "tests" / "fixtures" / "recordings2" / "interactions.jsonl.gz")
ARM_TYPES = _ROOT / "tests" / "fixtures" / "arm-types" / "arm_types.json.gz"
EXAMPLES = _ROOT / "tests" / "fixtures" / "arm-examples"


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The recorded ARM calls of every corpus (plain or gzipped JSON lines)."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
        rows.extend(json.loads(line) for line in text.splitlines() if line.strip())
    return rows


class TypeIndex:
    """Class facts of a type at an api-version, from the ARM type index."""

    def __init__(self, path: Path) -> None:
        self._types: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for arm_type, definitions in json.loads(gzip.decompress(path.read_bytes()))["types"].items():
            self._types[arm_type.lower()].extend(definitions)
        for definitions in self._types.values():
            definitions.sort(key=lambda definition: max(definition["apiVersions"]))

    def definition(self, type_key: str, api_version: str) -> dict[str, Any] | None:
        definitions = self._types.get(type_key)
        if not definitions:
            return None
        return next((d for d in definitions if api_version in d["apiVersions"]), definitions[-1])

    def klass(self, type_key: str, api_version: str) -> str | None:
        """``ps``/``nops`` of a type at a version (None: no definition)."""
        found = self.definition(type_key, api_version)
        if found is None:
            return None
        return "ps" if marks_long_running(found["readOnly"], found.get("enums", {})) else "nops"


@dataclass(frozen=True)
class Sample:
    """One recorded write and the class of its type."""

    namespace: str
    type_key: str
    role: str
    answer: str  # the answer as canonical JSON (hashable)
    klass: str | None
    source: str


def _state(body: Any) -> str | None:
    props = body.get("properties") if isinstance(body, dict) else None
    state = props.get("provisioningState") if isinstance(props, dict) else None
    return state if isinstance(state, str) else None


def samples(rows: list[dict[str, Any]], index: TypeIndex) -> list[Sample]:
    """Every successful write on a resource, in recording order."""
    seen: set[tuple[str, str]] = set()
    out: list[Sample] = []
    for row in sorted(rows, key=lambda r: (r["file"], int(r["seq"]))):
        if row["kind"] != "resource" or row["method"] not in ("PUT", "PATCH", "DELETE") or not row.get("arm_type"):
            continue
        target = (row["file"], (row.get("resource_path") or row["path"]).lower())
        role = row["method"]
        if role == "PUT":
            role = "PUT-update" if target in seen else "PUT-create"
            seen.add(target)
        if not 200 <= int(row["status"]) < 300:
            continue
        heads = {k.lower() for k in (row.get("response_headers") or {})}
        body = row.get("response_body")
        answer = {
            "status": int(row["status"]),
            "async_operation": "azure-asyncoperation" in heads,
            "location": "location" in heads,
            "body": body not in (None, "", {}),
            "provisioning_state": _state(body),
        }
        type_key = str(row["arm_type"]).lower()
        klass = index.klass(type_key, row.get("api_version") or "")
        out.append(Sample(type_key.split("/", 1)[0], type_key, role, json.dumps(answer, sort_keys=True), klass, row["file"]))
    return out


def vote(answers: Iterable[str]) -> dict[str, Any]:
    """The most frequent status and headers, then the most frequent body and state among those."""
    decoded = [json.loads(a) for a in answers]
    heads = Counter((a["status"], a["async_operation"], a["location"]) for a in decoded)
    status, async_operation, location = heads.most_common(1)[0][0]
    rest = Counter(
        (a["body"], a["provisioning_state"]) for a in decoded
        if (a["status"], a["async_operation"], a["location"]) == (status, async_operation, location)
    )
    body, state = rest.most_common(1)[0][0]
    return {"status": status, "async_operation": async_operation, "location": location, "body": body,
            "provisioning_state": state}


def _keys(sample: Sample) -> list[str]:
    return [sample.role] + ([f"{sample.role}|{sample.klass}"] if sample.klass is not None else [])


def provider_conventions(data: list[Sample]) -> dict[str, dict[str, dict[str, Any]]]:
    """namespace -> key -> the most frequent answer of its types."""
    votes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sample in data:
        for key in _keys(sample):
            votes[(sample.namespace, key)].append(sample.answer)
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (namespace, key), answers in sorted(votes.items()):
        out[namespace][key] = vote(answers)
    return dict(out)


def arm_conventions(data: list[Sample]) -> dict[str, dict[str, Any]]:
    """key -> ARM's common answer: each namespace votes once, with its own majority."""
    per_namespace: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sample in data:
        for key in _keys(sample):
            per_namespace[(key, sample.namespace)].append(sample.answer)
    votes: dict[str, list[str]] = defaultdict(list)
    for (key, _namespace), answers in sorted(per_namespace.items()):
        votes[key].append(json.dumps(vote(answers), sort_keys=True))
    out = {}
    for key, answers in sorted(votes.items()):
        chosen = vote(_running_side(answers))
        if chosen["location"] and any(json.loads(a)["async_operation"] for a in answers):
            # providers split between the two headers: ARM's common answer carries both (a 202's
            # Location is required, Azure-AsyncOperation optional and followed first by ARM clients:
            # azure-resource-manager-rpc async-api-reference.md, azure-mgmt-core ARMPolling), so a client
            # of either habit can follow it
            chosen["async_operation"] = True
        out[key] = chosen
    return out


def _is_running(answer: dict[str, Any]) -> bool:
    shape = {"body": True, "provisioning_state": None, **answer}
    return AnswerShape(**shape).running


def _announced(answer: dict[str, Any]) -> bool:
    return bool(answer.get("async_operation") or answer.get("location"))


def _running_side(answers: list[str]) -> list[str]:
    """The answers on the side most providers take, essential property first.

    A provider answering at once where the others run an operation is one vote against many,
    whatever its status code: first long-running or finished, then (long-running) whether the
    operation is announced by a header or only by the resource's own non-terminal provisioningState,
    then (announced) which header, then the shape among those. Announced or not comes before which
    header: the header-bearing providers split between Azure-AsyncOperation and Location, and a
    three-way count let the few that only set the state outvote either half (with Microsoft.Network
    held out, the ``ps`` create flipped to a 200 without a header: its siblings with
    Azure-AsyncOperation were 5, Location 3, the state alone 6). A tie goes to announcing, which
    every ARM client follows (azure-mgmt-core ARMPolling: Azure-AsyncOperation, then Location, then
    provisioningState), and to Azure-AsyncOperation, which the RPC's create flow names
    (async-api-reference.md)."""
    decoded = [(a, json.loads(a)) for a in answers]
    running = [(a, d) for a, d in decoded if _is_running(d)]
    finished = [(a, d) for a, d in decoded if not _is_running(d)]
    if len(finished) > len(running):
        return [a for a, _d in finished]
    announced = [(a, d) for a, d in running if _announced(d)]
    by_state = [a for a, d in running if not _announced(d)]
    if len(by_state) > len(announced):
        return by_state
    aao = [a for a, d in announced if d.get("async_operation")]
    location = [a for a, d in announced if not d.get("async_operation")]
    return aao if len(aao) >= len(location) else location


def _majority_class(group: list[Sample]) -> str | None:
    return Counter(s.klass for s in group).most_common(1)[0][0]


def departures(data: list[Sample], conventions: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """type -> role -> its answer, only where it differs from what the conventions give it."""
    by_type: dict[str, dict[str, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    for sample in data:
        by_type[sample.type_key][sample.role].append(sample)
    types: dict[str, dict[str, dict[str, Any]]] = {}
    for type_key, roles in sorted(by_type.items()):
        own: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            group = roles.get(role)
            if not group:
                continue
            klass = _majority_class(group)
            answer = vote(s.answer for s in group)
            given = resolve({**conventions, "types": {type_key: own}}, type_key, role, klass)
            if given != answer:
                files = sorted({s.source for s in group})
                own[role] = {**answer, "recordings": files[:provider_habits.SHOWN_RECORDINGS]}
        if own:
            types[type_key] = own
    return types


def learn(
    rows: list[dict[str, Any]], index: TypeIndex, exclude: Iterable[str] = (), examples: Path | None = EXAMPLES
) -> dict[str, Any]:
    """The conventions of every recorded write, leaving out the namespaces in ``exclude``."""
    skip = {ns.lower() for ns in exclude}
    kept = [r for r in rows if str(r.get("arm_type") or "").split("/", 1)[0].lower() not in skip]
    data = samples(kept, index)
    conventions: dict[str, Any] = {"arm": arm_conventions(data), "providers": provider_conventions(data)}
    conventions["types"] = departures(data, conventions)
    recorded: dict[str, set[str]] = defaultdict(set)
    for sample in data:
        recorded[sample.type_key].add(sample.role)
    conventions["recorded"] = {t: sorted(roles) for t, roles in sorted(recorded.items())}
    by_namespace, departing = provider_habits.child_locations(kept, index, examples)
    conventions["child_location"] = {"providers": by_namespace, "types": departing}
    conventions["actions"] = provider_habits.actions(kept, _running_side)
    conventions["final_poll"] = provider_habits.final_polls(kept)
    return conventions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--exclude-namespace", action="append", default=[], help="learn without this provider")
    args = parser.parse_args(argv)
    conventions = learn(read_rows(RECORDINGS), TypeIndex(ARM_TYPES), args.exclude_namespace)
    payload = {
        "generated_by": "python -m emulator.tools.gen_answer_shapes",
        "sources": [
            "tests/fixtures/recordings/interactions.jsonl, tests/fixtures/recordings2/interactions.jsonl.gz "
            "(live ARM traffic, Azure SDK for Python test recordings)",
            "tests/fixtures/arm-types/arm_types.json.gz (each type's class: provisioningState, location required)",
        ],
        "excluded_namespaces": sorted(ns.lower() for ns in args.exclude_namespace),
        **conventions,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"{args.output}: {len(conventions['providers'])} providers, {len(conventions['types'])} departing types\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
