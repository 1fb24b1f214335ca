"""CPU cost of the emulator per request (time.process_time), at zero latency.

Run: ``python bench/emulator_cost.py [--requests N]``. Prints the requests
and CPU ms per request per scenario and writes ``bench/results/emulator_cost.json``.
Target: < 1 ms of emulator CPU per request. The emulator is called directly
(``Emulator.handle``) so the SDK's own cost is not counted; one scenario also
runs through a real SDK client for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import Emulator, FaultConfig

SUB = "00000000-0000-0000-0000-0000000000be"
BASE = "https://management.azure.com"
RG = f"/subscriptions/{SUB}/resourceGroups/bench"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2024-07-01"
IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id{{i}}?api-version=2024-11-30"


def _measure(count: int, call: Callable[[int], Any]) -> dict[str, float]:
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    for i in range(count):
        call(i)
    cpu = time.process_time() - start_cpu
    wall = time.perf_counter() - start_wall
    return {"requests": count, "cpu_ms_per_request": cpu * 1000 / count, "wall_ms_per_request": wall * 1000 / count}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "emulator_cost.json")
    args = parser.parse_args(argv)
    n = args.requests
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "bench.db", faults=FaultConfig(throttle=False))
        emu.handle("PUT", f"{BASE}{RG}?api-version=2025-04-01", {}, b'{"location": "westus2"}')
        subnets = [{"name": f"s{i}", "properties": {"addressPrefix": f"10.0.{i}.0/24"}} for i in range(6)]
        vnet = {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": subnets}}
        emu.handle("PUT", f"{BASE}{VNET}", {}, json.dumps(vnet).encode())
        for i in range(50):
            emu.handle("PUT", f"{BASE}{IDENTITY.format(i=i)}", {}, b'{"location": "westus2"}')
        body = json.dumps({"location": "westus2", "tags": {"env": "bench"}}).encode()
        scenarios: dict[str, Callable[[int], Any]] = {
            "get_identity": lambda i: emu.handle("GET", f"{BASE}{IDENTITY.format(i=i % 50)}", {}, None),
            "get_vnet_with_6_subnets": lambda i: emu.handle("GET", f"{BASE}{VNET}", {}, None),
            "put_identity_update": lambda i: emu.handle("PUT", f"{BASE}{IDENTITY.format(i=i % 50)}", {}, body),
            "list_group_resources": lambda i: emu.handle(
                "GET", f"{BASE}{RG}/resources?api-version=2025-04-01", {}, None
            ),
        }
        results: dict[str, Any] = {name: _measure(n, call) for name, call in scenarios.items()}
        results["sdk_get_vnet_with_6_subnets_total"] = _sdk_scenario(emu, max(n // 4, 1))
        emu.close()
    total = sum(r["requests"] for r in results.values())
    mixed = sum(r["cpu_ms_per_request"] * r["requests"] for k, r in results.items() if not k.startswith("sdk_"))
    emulator_requests = sum(r["requests"] for k, r in results.items() if not k.startswith("sdk_"))
    summary = {"requests": total, "emulator_cpu_ms_per_request": mixed / emulator_requests, "scenarios": results}
    for name, r in results.items():
        print(f"{name:40s} requests={r['requests']:6d} cpu_ms/request={r['cpu_ms_per_request']:.3f}")
    print(f"{'emulator (all direct scenarios)':40s} requests={emulator_requests:6d} "
          f"cpu_ms/request={summary['emulator_cpu_ms_per_request']:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


def _sdk_scenario(emu: Emulator, count: int) -> dict[str, float]:
    """SDK + emulator together, for comparison with the SDK's own ~0.5 ms (ARCHITECTURE.md)."""
    from azure.core.credentials import AccessToken
    from azure.mgmt.network import NetworkManagementClient

    from emulator.transport import EmulatorTransport

    class Credential:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("fake", 4_102_444_800)

    client = NetworkManagementClient(Credential(), SUB, transport=EmulatorTransport(emu))
    return _measure(count, lambda i: client.virtual_networks.get("bench", "vnet1"))


if __name__ == "__main__":
    sys.exit(main())
