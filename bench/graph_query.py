"""Cost of a Resource Graph query page on the emulator, against reading the same rows by GET.

Run: ``python bench/graph_query.py [--resources N]``. Puts N identities (default 5,000) in groups of
100, half tagged ``managed-by=reconciler``, with direct ``Emulator.handle`` PUTs; then times, in
process CPU (``time.process_time``), median of 5:

- ``page_1000_tag_filter``: ``resources | where tags['managed-by'] =~ 'reconciler' | project id, name,
  type, tags, properties | order by id asc`` with ``$top`` 1000 (the first page of N/2 rows);
- ``page_1000_group_filter``: ``where resourceGroup in~ (10 groups) | project ... | order by id asc``;
- ``page_1000_all``: ``resources | project id, name, type | order by id asc`` (the whole table scanned);
- the baseline: 1,000 GETs of the same identities, one by one.

Prints the milliseconds and ``ratio`` = query page CPU / 1,000 GETs' CPU, and writes
``bench/results/graph_query.json``. Target (issue 16): a 1,000-row page over 5,000 resources well
under a second; ratios, not times, are what to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
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
GRAPH = f"{BASE}/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"


def _identity(i: int) -> str:
    return (f"/subscriptions/{SUB}/resourceGroups/rg-{i // 100:03d}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/id{i:05d}")


def _cpu_ms(call: Callable[[], Any], repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        call()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=5_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "graph_query.json")
    args = parser.parse_args(argv)
    n = args.resources
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "bench.db", faults=FaultConfig(throttle=False))
        for g in range((n + 99) // 100):
            emu.handle("PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/rg-{g:03d}?api-version=2025-04-01", {},
                       b'{"location": "westus2"}')
        for i in range(n):
            tags = {"managed-by": "reconciler"} if i % 2 else {"owner": "someone-else"}
            body = json.dumps({"location": "westus2", "tags": tags}).encode()
            emu.handle("PUT", f"{BASE}{_identity(i)}?api-version=2023-01-31", {}, body)

        def query(text: str) -> Callable[[], Any]:
            payload = json.dumps({"subscriptions": [SUB], "query": text, "options": {"$top": 1000}}).encode()

            def run() -> Any:
                answer = emu.handle("POST", GRAPH, {}, payload)
                assert answer.status == 200, answer.body
                assert answer.json()["count"] == min(1000, answer.json()["totalRecords"])
                return answer

            return run

        groups = ", ".join(f"'rg-{g:03d}'" for g in range(min(10, (n + 99) // 100)))
        cols = "project id, name, type, tags, properties | order by id asc"
        scenarios = {
            "page_1000_tag_filter": query(f"resources | where tags['managed-by'] =~ 'reconciler' | {cols}"),
            "page_1000_group_filter": query(f"resources | where resourceGroup in~ ({groups}) | {cols}"),
            "page_1000_all": query("resources | project id, name, type | order by id asc"),
        }
        gets = [f"{BASE}{_identity(i)}?api-version=2023-01-31" for i in range(min(n, 1000))]
        baseline = _cpu_ms(lambda: [emu.handle("GET", url, {}, None) for url in gets], repeat=3)
        results: dict[str, Any] = {"resources": n, "baseline_1000_gets_cpu_ms": baseline}
        for name, run in scenarios.items():
            ms = _cpu_ms(run)
            results[name] = {"cpu_ms": ms, "ratio_to_1000_gets": ms / baseline}
            print(f"{name:26s} cpu_ms={ms:8.1f}  ratio_to_1000_gets={ms / baseline:.3f}")
        print(f"{'1000 GETs (baseline)':26s} cpu_ms={baseline:8.1f}")
        emu.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
