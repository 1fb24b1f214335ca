"""bench/graph_query.py on a tiny estate: structure only (speed is never asserted in tests)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import graph_query


def test_graph_query_item_writes_its_ratios(tmp_path: Path) -> None:
    out = tmp_path / "graph_query.json"
    assert graph_query.main(["--resources", "30", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["resources"] == 30
    for name in ("page_1000_tag_filter", "page_1000_group_filter", "page_1000_all"):
        assert set(result[name]) == {"cpu_ms", "ratio_to_1000_gets"}
