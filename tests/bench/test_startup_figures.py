"""bench/startup.py reads the SDK share of a cold dry run from `-X importtime`."""

from __future__ import annotations

from bench.startup import sdk_import_seconds, total_import_seconds

SAMPLE = """import time: self [us] | cumulative | imported package
import time:       270 |        270 |   _io
import time:      2000 |     300000 |     azure.mgmt.network.operations
import time:      1000 |     424107 | azure.mgmt.network._client
import time:       500 |      75000 | azure.mgmt.sql._client
import time:       700 |     451823 | reconciler.session
"""


def test_only_top_level_azure_mgmt_imports_count() -> None:
    # network's operations are inside its client's cumulative time: counted once.
    assert sdk_import_seconds(SAMPLE) == 0.499107


def test_every_top_level_import_counts_once_towards_the_total() -> None:
    # 0.424107 + 0.075 + 0.451823: nested lines are inside their parent's cumulative time
    assert total_import_seconds(SAMPLE) == 0.95093
