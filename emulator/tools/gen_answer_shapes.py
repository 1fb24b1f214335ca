"""Generate ``emulator/data/answer_shapes.json``: how ARM really answers writes, per type.

Source: ``tests/fixtures/recordings/interactions.jsonl`` (live ARM traffic recorded by the
Azure SDK for Python's tests; MIT, Microsoft). For every successful PUT (first one on a
resource in a recording = create, later ones = update), PATCH and DELETE: the status code,
whether ``Azure-AsyncOperation`` and ``Location`` were present, whether the body was empty,
and the ``provisioningState`` in the body. When a type answered the same role in different
ways, the most frequent answer wins.

Run: ``python -m emulator.tools.gen_answer_shapes [--output FILE]`` (rewrites the file).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
OUT = _ROOT / "emulator" / "data" / "answer_shapes.json"
RECORDINGS = _ROOT / "tests" / "fixtures" / "recordings" / "interactions.jsonl"


def _state(body: Any) -> str | None:
    props = body.get("properties") if isinstance(body, dict) else None
    state = props.get("provisioningState") if isinstance(props, dict) else None
    return state if isinstance(state, str) else None


def shapes(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """(type, role) -> the most frequent answer."""
    seen: set[tuple[str, str]] = set()
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in sorted(rows, key=lambda r: (r["file"], int(r["seq"]))):
        if row["kind"] != "resource" or row["method"] not in ("PUT", "PATCH", "DELETE"):
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
        votes[(str(row["arm_type"]).lower(), role)][json.dumps(answer, sort_keys=True)] += 1
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (arm_type, role), counter in sorted(votes.items()):
        out[arm_type][role] = json.loads(counter.most_common(1)[0][0])
    return dict(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with RECORDINGS.open() as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    payload = {
        "generated_by": "python -m emulator.tools.gen_answer_shapes",
        "source": "tests/fixtures/recordings/interactions.jsonl (live ARM traffic, Azure SDK for Python test recordings)",
        "types": shapes(rows),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"{args.output}: {len(payload['types'])} types\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
