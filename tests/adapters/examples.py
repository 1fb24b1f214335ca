"""The ARM example corpus (`tests/fixtures/arm-examples`, see its SOURCE.md), as test data."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "arm-examples"


@dataclass(frozen=True)
class Example:
    """One example file: its ARM type, operation and parsed content."""

    path: Path
    arm_type: str
    operation: str
    content: dict[str, Any]

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.content["example"]["parameters"])

    @property
    def responses(self) -> dict[str, Any]:
        return dict(self.content["example"]["responses"])

    @property
    def api_version(self) -> str:
        return str(self.parameters.get("api-version") or self.content["api_version"])

    def request_body(self) -> dict[str, Any]:
        """The PUT body: the one object-valued parameter (`parameters` when several)."""
        bodies = {k: v for k, v in self.parameters.items() if isinstance(v, dict)}
        if "parameters" in bodies:
            return copy.deepcopy(bodies["parameters"])
        (only,) = bodies.values()
        return copy.deepcopy(only)

    def response_bodies(self, codes: tuple[str, ...] = ("200", "201")) -> dict[str, dict[str, Any]]:
        return {
            code: copy.deepcopy(response["body"])
            for code, response in self.responses.items()
            if code in codes and isinstance(response, dict) and isinstance(response.get("body"), dict)
        }

    def live_body(self) -> dict[str, Any]:
        """The 200 body of a GET example (or the PUT's 200/201)."""
        bodies = self.response_bodies()
        return dict(bodies.get("200") or bodies["201"])


@cache
def all_examples() -> tuple[Example, ...]:
    found = []
    for path in sorted(EXAMPLES.glob("*__*.json")):
        parts = path.stem.split("__")
        found.append(Example(path, "/".join(parts[:-1]), parts[-1], json.loads(path.read_text())))
    return tuple(found)


def examples(operation: str) -> list[Example]:
    return [e for e in all_examples() if e.operation == operation]


def example(arm_type: str, operation: str) -> Example:
    for e in all_examples():
        if e.arm_type.lower() == arm_type.lower() and e.operation == operation:
            return e
    raise LookupError(f"no {operation} example for {arm_type}")
