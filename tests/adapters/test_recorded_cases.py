"""Every real case recorded against live Azure (tests/fixtures/recordings/cases.json,
see CASES.md): the body last sent (`desired_raw`, write-only fields included)
against what Azure returned afterwards shows no drift, for every type, declared
or managed generically. The only exceptions are in `NOT_CONVERGENT`, each a
value Azure replaced, with the source that says why."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from adapters.compare import compare
from adapters.registry import rules_for
from reconciler.cli.compare_command import DRIFTED, IN_SYNC, run

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "recordings" / "cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))

#: (case name, path) -> why Azure answers another value than the one sent. The
#: engine reports such a field once as not convergent (reconciler/engine/convergence.py).
NOT_CONVERGENT: dict[tuple[str, str], str] = {
    (
        "monitor/test_cli_mgmt_monitor.test_scheduled_query_rules.yaml#workspacexe69613f0#put0",
        "properties.sku.name",
    ): "PerNode is a legacy Log Analytics pricing tier that new workspaces cannot use; Azure creates "
       "them as pergb2018 (learn.microsoft.com/azure/azure-monitor/logs/cost-logs#legacy-pricing-tiers)",
}


def _name(case: dict[str, Any]) -> str:
    return str(case["name"])


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_what_azure_returned_satisfies_what_was_sent(case: dict[str, Any]) -> None:
    result = compare(case["desired_raw"], case["live"], rules_for(case["type"]))
    unexpected = [(d.path, d.desired, d.live) for d in result.differences if (_name(case), d.path) not in NOT_CONVERGENT]
    assert unexpected == []


def test_every_allow_list_entry_still_differs() -> None:
    by_name = {_name(c): c for c in CASES}
    for (name, path) in NOT_CONVERGENT:
        case = by_name[name]
        paths = [d.path for d in compare(case["desired_raw"], case["live"], rules_for(case["type"])).differences]
        assert path in paths


@pytest.mark.parametrize("arm_type", sorted({c["type"] for c in CASES}))
def test_reconcile_compare_supports_every_recorded_type(arm_type: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c["type"] == arm_type)
    expected = DRIFTED if any(name == case["name"] for name, _path in NOT_CONVERGENT) else IN_SYNC
    (tmp_path / "d.json").write_text(json.dumps(case["desired_raw"]))
    (tmp_path / "l.json").write_text(json.dumps(case["live"]))
    out = io.StringIO()
    assert run(arm_type, str(tmp_path / "d.json"), str(tmp_path / "l.json"), "text", out) == expected, out.getvalue()
