"""`reconcile compare`: exit codes, output, and one-line input errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from reconciler.cli.compare_command import CompareInputError, run
from tests.adapters.examples import example

VNET = "Microsoft.Network/virtualNetworks"


def write(tmp_path: Path, name: str, body: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body))
    return str(path)


def test_in_sync_exits_zero(tmp_path: Path) -> None:
    ex = example(VNET, "PUT")
    out = io.StringIO()
    code = run(VNET, write(tmp_path, "d.json", ex.request_body()), write(tmp_path, "l.json", ex.live_body()), "text", out)
    assert code == 0
    assert "satisfies" in out.getvalue()


def test_drift_exits_two_and_lists_each_difference_as_json(tmp_path: Path) -> None:
    ex = example(VNET, "PUT")
    desired = ex.request_body()
    desired["properties"]["addressSpace"]["addressPrefixes"] = ["10.9.0.0/16"]
    out = io.StringIO()
    code = run(VNET, write(tmp_path, "d.json", desired), write(tmp_path, "l.json", ex.live_body()), "json", out)
    assert code == 2
    assert json.loads(out.getvalue()) == [
        {"path": "properties.addressSpace.addressPrefixes", "desired": ["10.9.0.0/16"], "live": ["10.0.0.0/16"]}]


def test_drift_in_text(tmp_path: Path) -> None:
    ex = example(VNET, "PUT")
    out = io.StringIO()
    code = run(VNET, write(tmp_path, "d.json", {"location": "northeurope"}), write(tmp_path, "l.json", ex.live_body()), "text", out)
    assert code == 2
    assert out.getvalue().splitlines()[0] == '~ location: desired "northeurope", live "eastus"  (requires replace)'


def test_an_undeclared_type_compares_with_the_default_rules(tmp_path: Path) -> None:
    desired = write(tmp_path, "d.json", {"properties": {"disableBgpRoutePropagation": True}})
    live = write(tmp_path, "l.json", {"properties": {"disableBgpRoutePropagation": False, "routes": []}})
    out = io.StringIO()
    assert run("Microsoft.Network/routeTables", desired, live, "text", out) == 2
    assert out.getvalue().splitlines()[0] == "~ properties.disableBgpRoutePropagation: desired true, live false"


def test_a_malformed_type_names_the_option(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", {})
    with pytest.raises(CompareInputError, match=r"--type 'routeTables' is not an ARM type") as caught:
        run("routeTables", path, path, "text", io.StringIO())
    assert "\n" not in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CompareInputError, match=r"missing\.json"):
        run(VNET, str(tmp_path / "missing.json"), write(tmp_path, "l.json", {}), "text", io.StringIO())


def test_invalid_json_names_the_file_and_the_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"location": ')
    with pytest.raises(CompareInputError, match=r"bad.json is not valid JSON \(line 1") as caught:
        run(VNET, str(bad), write(tmp_path, "l.json", {}), "text", io.StringIO())
    assert isinstance(caught.value, ValueError)
