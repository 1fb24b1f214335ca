"""The drift workbook queries only what the controller really sends (issue 27).

What it sends: two cycles of a real `Telemetry` (one with a drift whose author is known, one
whose author is not, a field ARM did not keep, throttling; one that failed), exported by the real
Azure Monitor exporter to a loopback ingestion endpoint (tests/controller/ingestion.py) and
decoded: each custom event's name and properties, each metric's name and dimensions.

What the workbook asks for: every KQL query of every environment's drift workbook, parsed for the
table it reads (`customEvents` or `customMetrics`, nothing else), the event or metric names it
filters on (`name == "..."`, `name in (...)`) and every `customDimensions` property it reads. Each
must be among what was sent, under one of the names the query filters on; so renaming a property
in reconciler/controller/telemetry.py without the workbook (or the reverse) fails here. The
workbook is also planned, applied to the emulator, read back as ARM returns it (`serializedData`
a JSON string) and planned again without changes, in every environment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from desired_state import build
from desired_state.settings import ENVIRONMENTS, AppSecrets
from reconciler.cli.main import main
from reconciler.controller import telemetry as telemetry_module
from reconciler.controller.report import CycleReport, DriftRecord, NotConvergentRecord
from reconciler.controller.telemetry import Telemetry
from reconciler.engine.attribution_record import Attribution
from tests.controller.ingestion import IngestionServer
from tests.controller.test_telemetry import SQL_ID, VNET_ID, ingestion, telemetry

__all__ = ["ingestion", "telemetry"]  # the loopback endpoint and a Telemetry exporting to it

WORKBOOK = "observability.workbook.drift"
#: The Application Insights tables the controller writes to.
TABLES = ("customEvents", "customMetrics")
_NAME_IS = re.compile(r'\bname\s*==\s*"([^"]+)"')
_NAME_IN = re.compile(r"\bname\s+in\s*\(([^)]*)\)")
_QUOTED = re.compile(r'"([^"]*)"')
_DIMENSION = re.compile(r"""customDimensions(?:\.([A-Za-z_]\w*)|\[\s*["']([^"']+)["']\s*\])""")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
#: Other Application Insights tables: a drift workbook query reading one would not be ours.
_OTHER_TABLES = re.compile(r"\b(requests|traces|dependencies|exceptions|pageViews|availabilityResults|"
                           r"customMetrics|customEvents|union|join)\b")


@dataclass
class Sent:
    """table -> name -> the properties (customDimensions) sent with it."""

    names: dict[str, dict[str, set[str]]] = field(default_factory=lambda: {t: {} for t in TABLES})

    def add(self, table: str, name: str, properties: Iterator[str] | set[str]) -> None:
        self.names[table].setdefault(name, set()).update(properties)


@dataclass(frozen=True)
class Used:
    """What one query reads."""

    table: str
    names: frozenset[str]
    properties: frozenset[str]


def parse(query: str) -> Used:
    first = _IDENTIFIER.match(query.lstrip())
    table = first.group() if first else ""
    assert table in TABLES, f"a drift workbook query reads {table!r}, not the controller's tables: {query}"
    others = {m for m in _OTHER_TABLES.findall(query)} - {table}
    assert not others, f"a drift workbook query also reads {others}: {query}"
    names = set(_NAME_IS.findall(query))
    for group in _NAME_IN.findall(query):
        names.update(_QUOTED.findall(group))
    assert names, f"a drift workbook query must filter by event or metric name: {query}"
    properties = {a or b for a, b in _DIMENSION.findall(query)}
    return Used(table, frozenset(names), frozenset(properties))


def unknown_names(used: Used, sent: Sent) -> list[str]:
    """What `used` reads that nothing sent: names, and properties not sent with any of its names."""
    known = sent.names[used.table]
    missing = [f"{used.table} name {n!r}" for n in sorted(used.names - set(known))]
    with_them = set().union(*(known.get(n, set()) for n in used.names))
    missing += [f"{used.table} property {p!r} of {sorted(used.names)}" for p in sorted(used.properties - with_them)]
    return missing


def cycles() -> list[CycleReport]:
    alice = Attribution(known=True, changed_by="alice@contoso.com", changed_by_type="User", client_type="Azure Portal",
                        operation="microsoft.network/virtualnetworks/write", timestamp="2026-11-28T14:02:31.123Z",
                        source="resourcegraph")
    nobody = Attribution.unknown("no change by another identity since our last write")
    start = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    found = CycleReport(
        environment="dev", target="azure", started_at=start, duration_s=12.5, resources=123,
        drifted=(
            DriftRecord("networking.vnet", "Microsoft.Network/virtualNetworks", VNET_ID, "update", ("tags.owner",),
                        attribution=MappingProxyType(alice.dimensions())),
            DriftRecord("data.sql", "Microsoft.Sql/servers", SQL_ID, "update", ("tags.cost-center",),
                        remediated=False, attribution=MappingProxyType(nobody.dimensions())),
        ),
        applied=1, skipped=1, remediated=True, arm_requests_by_status=MappingProxyType({200: 120, 429: 1}),
        throttled=1,
        not_convergent=(NotConvergentRecord("observability.log_analytics",
                                            "Microsoft.OperationalInsights/workspaces", SQL_ID, "sku.name"),),
    )
    failed = CycleReport(environment="dev", target="azure", started_at=start, duration_s=3.0, resources=123,
                         failed=1, error="HttpResponseError: (AuthorizationFailed) ...")
    return [found, failed]


def sent_by(telemetry: Telemetry, ingestion: IngestionServer) -> Sent:
    for report in cycles():
        telemetry.report_cycle(report)
    assert telemetry.flush()
    sent = Sent()
    for envelope in ingestion.of_type("EventData"):
        data = envelope["data"]["baseData"]
        sent.add("customEvents", data["name"], set(data.get("properties", {})))
    for envelope in ingestion.of_type("MetricData"):
        data = envelope["data"]["baseData"]
        for metric in data["metrics"]:
            sent.add("customMetrics", metric["name"], set(data.get("properties", {})))
    return sent


def queries_of(document: dict[str, Any]) -> dict[str, str]:
    """The KQL queries of a workbook document (`Notebook/1.0`), by step name."""
    return {item["name"]: item["content"]["query"] for item in document["items"] if item["type"] == 3}


def drift_workbook(env: str) -> dict[str, Any]:
    """The drift workbook of `env` as the desired state writes it: its ARM body."""
    state = build(env, secrets=AppSecrets(_env_file=None))
    (resource,) = [r for r in state.resources if r.address == WORKBOOK]
    assert resource.type == "Microsoft.Insights/workbooks"
    body: dict[str, Any] = resource.body
    return body


def workbook_queries(env: str = "dev") -> dict[str, str]:
    """Every query of `env`'s drift workbook, by step name, read from its serialised content."""
    serialized = drift_workbook(env)["properties"]["serializedData"]
    assert isinstance(serialized, str)  # ARM's shape: the document travels as a JSON string
    return queries_of(json.loads(serialized))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_name_the_drift_workbook_queries_is_sent_by_the_controller(
    env: str, telemetry: Telemetry, ingestion: IngestionServer
) -> None:
    sent = sent_by(telemetry, ingestion)
    assert set(sent.names["customEvents"]) == {"ReconcilerDrift", "ReconcilerNotConvergent", "ReconcilerHeartbeat"}
    queries = workbook_queries(env)
    assert list(queries) == ["heartbeat", "drift-over-time", "most-drifted", "who-changed", "not-convergent",
                             "cycle-duration", "failures"]
    used = {step: parse(query) for step, query in queries.items()}
    problems = {step: unknown_names(u, sent) for step, u in used.items() if unknown_names(u, sent)}
    assert not problems, problems
    # What the workbook shows, by the names it reads (so a query cannot quietly stop reading them).
    everything = {(u.table, n) for u in used.values() for n in u.names}
    assert everything >= {("customEvents", "ReconcilerDrift"), ("customEvents", "ReconcilerNotConvergent"),
                          ("customEvents", "ReconcilerHeartbeat"), ("customMetrics", "reconciler_cycle_duration_seconds"),
                          ("customMetrics", "reconciler_cycles"), ("customMetrics", "reconciler_failed")}
    assert used["who-changed"].properties >= {"changedBy", "changedByType", "clientType", "changeOperation",
                                              "changedAt", "attributionSource", "attributionReason"}
    assert used["not-convergent"].properties >= {"path", "address", "type"}


def _renamed(original: Callable[..., dict[str, str]], old: str, new: str) -> Callable[..., dict[str, str]]:
    def properties(*args: object) -> dict[str, str]:
        return {new if key == old else key: value for key, value in original(*args).items()}

    return properties


def test_renaming_a_property_the_controller_sends_fails_the_check(
    telemetry: Telemetry, ingestion: IngestionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if `changed_paths` were renamed in reconciler/controller/telemetry.py and not in the workbook."""
    monkeypatch.setattr(telemetry_module, "drift_event_properties",
                        _renamed(telemetry_module.drift_event_properties, "changed_paths", "changedPaths"))
    sent = sent_by(telemetry, ingestion)
    problems = unknown_names(parse(workbook_queries()["most-drifted"]), sent)
    assert problems == ["customEvents property 'changed_paths' of ['ReconcilerDrift']"]


def test_the_parser_reads_names_in_every_spelling() -> None:
    used = parse('customMetrics | where name in ("a", "b") | extend x = customDimensions["c d"], '
                 'y = tostring(customDimensions.e) | summarize sumif(valueSum, name == "f")')
    assert used == Used("customMetrics", frozenset({"a", "b", "f"}), frozenset({"c d", "e"}))
    with pytest.raises(AssertionError, match="reads 'requests'"):
        parse('requests | where name == "x"')
    with pytest.raises(AssertionError, match="also reads"):
        parse('customEvents | where name == "x" | join (traces) on operation_Id')


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_emulator_keeps_the_workbook_as_arm_does_and_the_next_plan_is_a_no_op(
    env: str, telemetry: Telemetry, ingestion: IngestionServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """Planned, applied and read back through the real SDK path (the adapter's GET with
    canFetchContent=true): `serializedData` comes back a JSON string holding the document written,
    whose queries still ask only for what the controller sends; the next plan changes nothing."""
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE", "RECONCILER_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)
    where = ["--env", env, "--emulator-state", str(tmp_path / f"{env}.db")]
    assert main(["plan", *where, "--target-resource", WORKBOOK, "--output", "json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert [c["action"] for c in planned["changes"] if c["address"] == WORKBOOK] == ["create"]
    assert main(["apply", *where, "--target-resource", WORKBOOK, "--auto-approve"]) == 0
    capsys.readouterr()
    assert main(["show", WORKBOOK, *where, "--live", "--output", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    live = shown["live"]["properties"]
    assert isinstance(live["serializedData"], str)
    desired = drift_workbook(env)["properties"]
    assert json.loads(live["serializedData"]) == json.loads(desired["serializedData"])
    assert live["displayName"] == f"Drift ({env})" and live["sourceId"].lower() == desired["sourceId"].lower()
    sent = sent_by(telemetry, ingestion)
    assert not [p for q in queries_of(json.loads(live["serializedData"])).values() for p in unknown_names(parse(q), sent)]
    assert main(["plan", *where, "--target-resource", WORKBOOK, "--detailed-exitcode"]) == 0  # no changes
    assert "No changes." in capsys.readouterr().out
