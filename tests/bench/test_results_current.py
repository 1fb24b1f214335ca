"""The committed benchmark figures describe the estate of today (issue 24): an item measured
on a named environment records it and its resource count, and that count is what
`build(environment)` gives now. A change that grows or shrinks an estate without rerunning
the benchmarks (`python -m bench`) fails here, so a stale figure cannot stand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desired_state import build

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "latest.json"
#: Items measured on an environment of the desired state (the others use synthetic estates).
ON_AN_ENVIRONMENT = ("noop", "apply_lro", "soak")


def items() -> dict[str, dict[str, Any]]:
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    return {item["item"]: item for item in document["items"]}


@pytest.mark.parametrize("name", ON_AN_ENVIRONMENT)
def test_an_item_on_an_environment_was_measured_on_its_estate_of_today(name: str) -> None:
    figures = items()[name]["figures"]
    environment = figures.get("environment")
    assert environment, f"bench item {name} does not record its environment: rerun `python -m bench --only {name}`"
    assert figures["resources"] == len(build(environment).resources), (
        f"bench/results/latest.json: item {name} measured {figures['resources']} resources of {environment}, "
        f"which has {len(build(environment).resources)} now: rerun `python -m bench` and commit its results"
    )


def test_every_item_of_the_suite_ran_without_error() -> None:
    failed = {name: item["error"] for name, item in items().items() if "error" in item}
    assert failed == {}
