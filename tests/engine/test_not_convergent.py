"""A field ARM will not keep is reported once as not convergent and not
rewritten on the next cycles, until the desired value changes. The emulator
is told to replace a written value (fault RECONCILER_EMULATOR_REWRITE), as
Azure replaces a Log Analytics workspace's `PerNode` SKU with `pergb2018`
(recordings: monitor/test_cli_mgmt_monitor.test_scheduled_query_rules.yaml)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from desired_state import build
from emulator.request_log import clear_request_log, read_request_log
from tests.engine.test_e2e import reconcile

WORKSPACE = "observability.log_analytics"


@pytest.fixture(autouse=True)
def _emulator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.setenv("RECONCILER_EMULATOR_REWRITE", "Microsoft.OperationalInsights/workspaces:properties.sku.name=Standalone")
    monkeypatch.chdir(tmp_path)


def _plan(capsys: pytest.CaptureFixture[str], state: str) -> dict[str, dict[str, object]]:
    code, out, _ = reconcile(capsys, "--dry-run", "--env", "dev", "--output", "json", "--emulator-state", state)
    assert code == 0, out
    return {c["address"]: c for c in json.loads(out)["changes"]}


def test_reported_once_and_not_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    state = str(tmp_path / "dev.db")
    workspace_id = next(r.id for r in build("dev").resources if r.address == WORKSPACE).lower()
    with caplog.at_level(logging.WARNING):
        code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", state)
    assert code == 0, out
    found = [r for r in caplog.records if getattr(r, "event", None) == "ReconcilerNotConvergent"]
    assert [(getattr(r, "address", None), getattr(r, "path", None)) for r in found] == [(WORKSPACE, "properties.sku.name")]
    assert 'ARM returned "Standalone" for `properties.sku.name` after we wrote "PerGB2018"' in found[0].getMessage()

    change = _plan(capsys, state)[WORKSPACE]
    assert change["action"] == "noop"
    assert change["not_convergent"] == [{
        "path": "properties.sku.name", "wrote": "PerGB2018", "returned": "Standalone",
        "message": 'ARM returned "Standalone" for `properties.sku.name` after we wrote "PerGB2018": '
                   "change the desired state",
    }]
    code, out, _ = reconcile(capsys, "--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-state", state)
    assert code == 0, out
    assert "not convergent; not rewritten" in out

    # Next cycles: nothing written to the workspace, nothing reported again.
    clear_request_log(Path(state))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", state)
            assert code == 0, out
    assert [r for r in read_request_log(Path(state)) if r.method == "PUT" and r.path.lower() == workspace_id] == []
    assert [r for r in caplog.records if getattr(r, "event", None) == "ReconcilerNotConvergent"] == []


def test_a_changed_desired_value_is_written_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = str(tmp_path / "dev.db")
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", state)
    assert code == 0, out
    # As if the desired SKU had been something else when it was last written:
    # the current desired value was never written, so it is drift again.
    store = tmp_path / "not-convergent-dev.json"  # beside the state, as the LRO tokens
    known = json.loads(store.read_text())
    (fields,) = known.values()
    fields["properties.sku.name"]["wrote"] = "PerNode"
    store.write_text(json.dumps(known))
    change = _plan(capsys, state)[WORKSPACE]
    assert change["action"] == "update"
    assert [d["path"] for d in change["diff"]] == ["properties.sku.name"]  # type: ignore[union-attr]
    assert change["not_convergent"] == []
