"""Provider habits beyond a write's first answer, learned from recorded traffic for
``emulator/data/answer_shapes.json`` (``emulator.tools.gen_answer_shapes`` calls these).

- ``actions``: how POST actions answer, per kind of action (``emulator.shapes.action_kind``), per
  provider, ARM-wide, and a (type, action) where it departs;
- ``final_polls``: the status of a finished PUT's operation result where that URL is not the
  Azure-AsyncOperation one (recorded: SQL 201, the others 200);
- ``child_locations``: whether a provider's child (proxy) resources return a location (the
  parent's) or none, from recorded responses and Microsoft's REST examples.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from emulator.shapes import action_kind

SHOWN_RECORDINGS = 3


class Definitions(Protocol):
    """The ARM type index's definitions (``gen_answer_shapes.TypeIndex``)."""

    def definition(self, type_key: str, api_version: str) -> dict[str, Any] | None: ...


def _example_bodies(folder: Path) -> Iterable[tuple[str, str, dict[str, Any], str]]:
    """(type, api-version, response body, source) of every REST example response with an id."""
    for file in sorted(folder.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        type_key = "/".join(file.stem.split("__")[:-1]).lower()
        for answer in (data.get("example") or {}).get("responses", {}).values():
            body = answer.get("body") if isinstance(answer, dict) else None
            if isinstance(body, dict) and "id" in body:
                yield type_key, str(data.get("api_version") or ""), body, f"arm-examples {file.name}"


def child_locations(
    rows: list[dict[str, Any]], index: Definitions, examples: Path | None = None
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(namespace -> ``parent``/``none``, type -> departure with its sources) for child types whose
    definition does not require a location, from the bodies ARM (and the REST examples) returned."""
    bodies: list[tuple[str, str, dict[str, Any], str]] = []
    for row in rows:
        body = row.get("response_body")
        answered = row["kind"] == "resource" and row["method"] in ("GET", "PUT") and 200 <= int(row["status"]) < 300
        if answered and isinstance(body, dict) and "id" in body:
            bodies.append((str(row.get("arm_type") or "").lower(), row.get("api_version") or "", body, row["file"]))
    if examples is not None:
        bodies.extend(_example_bodies(examples))
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    files: dict[str, set[str]] = defaultdict(set)
    for type_key, api_version, body, source in bodies:
        if type_key.count("/") < 2:
            continue
        found = index.definition(type_key, api_version)
        if found is not None and found.get("locationRequired"):
            continue
        seen[type_key]["parent" if "location" in body else "none"] += 1
        files[type_key].add(source)
    per_type = {t: c.most_common(1)[0][0] for t, c in sorted(seen.items())}
    namespaces: dict[str, Counter[str]] = defaultdict(Counter)
    for type_key, habit in per_type.items():
        namespaces[type_key.split("/", 1)[0]][habit] += 1
    by_namespace = {ns: c.most_common(1)[0][0] for ns, c in sorted(namespaces.items())}
    departing = {
        t: {"child_location": habit, "recordings": sorted(files[t])[:SHOWN_RECORDINGS]}
        for t, habit in per_type.items() if habit != by_namespace[t.split("/", 1)[0]]
    }
    return by_namespace, departing


def _action_answer(row: dict[str, Any]) -> str:
    heads = {k.lower() for k in (row.get("response_headers") or {})}
    return json.dumps({"status": int(row["status"]), "async_operation": "azure-asyncoperation" in heads,
                       "location": "location" in heads}, sort_keys=True)


def _action_vote(answers: Iterable[str]) -> dict[str, Any]:
    return dict(json.loads(Counter(answers).most_common(1)[0][0]))


def actions(rows: list[dict[str, Any]], side: Callable[[list[str]], list[str]]) -> dict[str, Any]:
    """POST actions: per provider and kind, ARM-wide per kind (the answers on the `side` most
    providers take), and (type, action) departures."""
    by_target: dict[tuple[str, str], list[str]] = defaultdict(list)
    target_files: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in sorted(rows, key=lambda r: (r["file"], int(r["seq"]))):
        if row["method"] != "POST" or not row.get("arm_type") or not 200 <= int(row["status"]) < 300:
            continue
        target = (str(row["arm_type"]).lower(), row["path"].rstrip("/").rsplit("/", 1)[1].lower())
        by_target[target].append(_action_answer(row))
        target_files[target].add(row["file"])
    per_provider: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (type_key, action), answers in by_target.items():
        per_provider[(type_key.split("/", 1)[0], action_kind(action))].extend(answers)
    providers: dict[str, dict[str, Any]] = defaultdict(dict)
    arm_votes: dict[str, list[str]] = defaultdict(list)
    for (namespace, kind), answers in sorted(per_provider.items()):
        providers[namespace][kind] = _action_vote(answers)
        arm_votes[kind].append(json.dumps(providers[namespace][kind], sort_keys=True))
    departing = {}
    for (type_key, action), answers in sorted(by_target.items()):
        answer = _action_vote(answers)
        if answer != providers[type_key.split("/", 1)[0]][action_kind(action)]:
            departing[f"{type_key}/{action}"] = {**answer, "recordings": sorted(target_files[(type_key, action)])[:SHOWN_RECORDINGS]}
    return {"arm": {kind: _action_vote(side(v)) for kind, v in sorted(arm_votes.items())},
            "providers": dict(providers), "types": departing}


def _path(url: str) -> str:
    return unquote(urlsplit(url).path).lower().rstrip("/")


def final_polls(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """namespace -> {"PUT": status of a finished operation's result} (the majority of its recordings)."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_file[row["file"]].append(row)
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    for cassette in by_file.values():
        cassette.sort(key=lambda r: int(r["seq"]))
        for at, row in enumerate(cassette):
            heads = {k.lower(): v for k, v in (row.get("response_headers") or {}).items()}
            if row["method"] != "PUT" or "location" not in heads or not row.get("arm_type"):
                continue
            result = _path(heads["location"])
            if result == _path(heads.get("azure-asyncoperation", "")):
                continue
            done = [r for r in cassette[at + 1 :] if r["path"].lower().rstrip("/") == result and int(r["status"]) != 202]
            if done:
                seen[str(row["arm_type"]).split("/", 1)[0].lower()][int(done[-1]["status"])] += 1
    return {ns: {"PUT": c.most_common(1)[0][0]} for ns, c in sorted(seen.items())}


