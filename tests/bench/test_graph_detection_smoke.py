"""bench/graph_detection.py on a small estate with a scaled lag: structure only (the real 30 s run
is the bench's; speed and timings are never asserted in tests)."""

from __future__ import annotations

import json

import pytest

from bench import graph_detection
from bench.child import ITEMS


def test_the_detection_scenario_reports_each_change_and_the_false_drift() -> None:
    result = graph_detection.run(size=400, staleness_s=0.5, interval_s=0.6, margin_s=0.3).to_json()
    json.dumps(result)  # serialisable as written to the results file
    figures = result["figures"]
    assert figures["resources"] == 400 and figures["staleness_s"] == 0.5
    assert figures["observer_staleness_s"] == 0.5  # the observer's allowance follows the lag
    # Twice: the Activity Log answering at once, then lagging as much as Resource Graph.
    for run, lag in ((figures, 0.0), (figures["activity_log_lagging"], 0.5)):
        assert run["activity_log_lag_s"] == lag
        assert run["changes"] == 20 and run["our_writes"] == 6 and run["our_writes_applied"] is True
        kinds = {change["kind"] for change in run["per_change"]}
        assert kinds == {"tag", "property", "child property", "deleted resource", "deleted child"}
        assert [c["cycle"] for c in run["cycles"]] == [1, 2, 3]
        assert all(c["mode"] == "feed" for c in run["cycles"]), "controller cycles are feed cycles, not relists"
        assert run["observer_stats"]["relists"] == 1
        # The scenario's verdicts: every change planned within two cycles, none of our writes planned.
        assert run["detected"] == 20 and run["undetected"] == []
        assert all(change["cycle"] in (1, 2) for change in run["per_change"])
        assert run["false_drift"] == 0 and run["false_drift_ids"] == {}
    assert len(result["targets"]) == 12
    assert {t["name"]: t["met"] for t in result["targets"]} == dict.fromkeys(
        (t["name"] for t in result["targets"]), True)


def test_the_scenario_refuses_an_estate_too_small_for_its_changes() -> None:
    with pytest.raises(ValueError, match="size=200"):
        graph_detection.run(size=200, staleness_s=0.1)


def test_the_suite_runs_the_scenario_as_an_item() -> None:
    assert "graph_detection" in ITEMS
