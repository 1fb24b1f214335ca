"""The benchmark code runs end to end on tiny estates; structure only, never timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import apply_lro, graph, noop, scale, soak, throttled
from bench.estates import cells, dense, mixed, put_in_place, sparse
from bench.figures import ItemResult
from bench.table import render
from bench.target import UNLIMITED, open_target
from emulator import Emulator, FaultConfig


def _check_shape(result: ItemResult, item: str) -> dict[str, object]:
    data = result.to_json()
    json.dumps(data)  # serialisable as written to latest.json
    assert data["item"] == item
    assert data["targets"], "every item checks at least one target"
    for target in data["targets"]:
        assert set(target) >= {"name", "value", "limit", "comparison", "met"}
        assert isinstance(target["met"], bool)
    return data


def test_synthetic_estates_have_the_requested_size_and_shape() -> None:
    assert len(dense(9).resources) == 9
    assert len(cells(250).resources) == 250
    assert {r.resource_group for r in cells(250).resources} == {f"rg-bench-c{i}" for i in range(3)}
    state = sparse(8)
    assert len(state.resources) == 8
    assert sorted({r.type for r in state.resources}) == [
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/publicIPAddresses",
        "Microsoft.Resources/resourceGroups",
    ]
    with pytest.raises(ValueError, match="at least 6"):
        dense(5)


def test_an_estate_put_in_place_plans_no_change(tmp_path: Path) -> None:
    state = dense(12)
    seed = Emulator(tmp_path / "e.db", faults=FaultConfig(throttle=False))
    put_in_place(seed, state)
    seed.close()
    target = open_target(state, tmp_path / "e.db", FaultConfig(throttle=False), rate_limit_scale=UNLIMITED)
    observation = target.engine.observe()
    plan = target.engine.plan(observation)
    assert not observation.errors
    assert not plan.has_changes
    # siblings are listed: fewer requests than resources
    assert 0 < target.total_requests() < len(state.resources)
    target.close()


def test_critical_path_follows_the_slowest_chain() -> None:
    state = dense(9)
    faults = FaultConfig(lro_seconds={"microsoft.servicebus/namespaces": 2.0}, lro_default_seconds=0.5)
    bound, chain = apply_lro.critical_path(state, faults)
    # group (synchronous) -> namespace (2 s); NSGs and the account take 0.5 s
    assert bound == pytest.approx(2.0)
    assert chain[:2] == ["bench.rg-bench-dense", "bench.dense.sbns"]
    assert apply_lro.lro_seconds("Microsoft.Resources/resourceGroups", faults) == 0.0


def test_lro_table_is_shaped_like_azure() -> None:
    faults = apply_lro.lro_faults()
    apim = faults.lro_duration("microsoft.apimanagement/service")
    redis = faults.lro_duration("microsoft.cache/redis")
    assert apim > redis > max(
        faults.lro_duration(t.lower()) for t in apply_lro.LRO_MINUTES if t not in (
            "Microsoft.ApiManagement/service", "Microsoft.Cache/redis")
    )
    assert not faults.throttle


def test_scale_item_on_tiny_estates() -> None:
    data = _check_shape(scale.run(sizes=(12, 24), repeats=1), "scale")
    sizes = data["figures"]["sizes"]  # type: ignore[index]
    assert set(sizes) == {"12", "24"}
    assert set(sizes["12"]) >= {"wall_s", "cpu_ms_per_resource", "peak_traced_mib", "arm_requests"}


def test_throttled_item_on_a_tiny_estate() -> None:
    data = _check_shape(throttled.run(size=8, scale=1.0), "throttled")
    figures = data["figures"]
    assert figures["failed_reads"] == 0  # type: ignore[index]
    assert figures["reads"] >= 8  # type: ignore[index]


def test_graph_item_on_a_small_mixed_estate() -> None:
    assert len(mixed(200).resources) == 200
    data = _check_shape(graph.run(size=200, staleness_s=0.3, margin_s=0.3), "graph")
    figures = data["figures"]
    assert figures["graph_changes"] is False and figures["per_resource_changes"] is False  # type: ignore[index]
    assert figures["graph_queries"] >= 1 and figures["feed_detected"] == 10  # type: ignore[index]


def test_noop_item_on_dev_with_a_short_latency() -> None:
    data = _check_shape(noop.run(quick=True, environment="dev", latency_ms=1.0), "noop")
    figures = data["figures"]
    assert figures["changes_planned"] is False  # type: ignore[index]
    assert figures["environment"] == "dev"  # type: ignore[index]
    for mode in ("per_resource", "graph"):
        # every request counted by kind, Resource Graph queries only in graph mode
        assert sum(figures[f"{mode}_requests_by_kind"].values()) == (  # type: ignore[index]
            figures[f"{mode}_arm_requests"] + figures[f"{mode}_graph_queries"])  # type: ignore[index]
        assert figures[f"{mode}_waves"] >= 1  # type: ignore[index]
        assert figures[f"{mode}_arm_requests"] <= figures[f"{mode}_read_floor"]  # type: ignore[index,operator]
    assert figures["per_resource_graph_queries"] == 0 < figures["graph_graph_queries"]  # type: ignore[index]


def test_soak_item_records_memory_by_cycle() -> None:
    data = _check_shape(soak.run(cycles=3), "soak")
    figures = data["figures"]
    assert set(figures["rss_mib_by_cycle"]) == {1, 2, 3}  # type: ignore[index]
    assert figures["cycles_with_errors"] == 0  # type: ignore[index]


def test_table_renders_targets_and_errors() -> None:
    ok = ItemResult("noop", "t", figures={"wall_s": 0.1, "speedup": 30.0})
    ok.check("round trips on the critical path", 3.0, 4.0)
    report = {
        "machine": {"date": "2026-01-01 00:00 UTC", "cpus": 2, "cpu_model": "x", "python": "3.11"},
        "suite_seconds": 1.0,
        "items": [ok.to_json(), {"item": "soak", "error": "exit 1: boom", "ok": False, "targets": []}],
        "emulator_cost": {"emulator_cpu_ms_per_request": 0.15, "met": True},
    }
    table = render(report)
    assert "| 1. No-op dry run | round trips on the critical path | 3 | <= 4 | yes |" in table
    assert "| 6. Soak | error | exit 1: boom | | no |" in table
    assert "Emulator" in table
