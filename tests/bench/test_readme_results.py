"""bench/README.md's results table is generated from bench/results/latest.json (bench/readme.py,
run by `python -m tools.regen`): a rerun of the suite then regen keeps the two equal, and
`tests/test_generated.py` fails while they differ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.readme import BEGIN, END, with_results
from bench.table import render

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "latest.json"


def test_the_generated_block_is_the_results_table_and_the_prose_around_it_is_kept() -> None:
    report = json.loads(RESULTS.read_text())
    readme = f"# Benchmarks\n\nprose before\n\n{BEGIN}\n\n| stale | table |\n\n{END}\n\nprose after\n"
    regenerated = with_results(readme, report)
    assert regenerated == f"# Benchmarks\n\nprose before\n\n{BEGIN}\n\n{render(report)}\n\n{END}\n\nprose after\n"
    assert with_results(regenerated, report) == regenerated


def test_a_rerun_with_other_figures_changes_the_table() -> None:
    report = json.loads(RESULTS.read_text())
    rerun = json.loads(RESULTS.read_text())
    rerun["machine"]["date"] = "2099-01-01 00:00 UTC"
    readme = with_results(f"{BEGIN}\n{END}\n", report)
    assert with_results(readme, rerun) != readme
    assert "2099-01-01 00:00 UTC" in with_results(readme, rerun)


def test_a_readme_without_its_markers_is_an_error_naming_them() -> None:
    with pytest.raises(ValueError, match="lacks the markers"):
        with_results("# Benchmarks\n\n| a hand-written | table |\n", json.loads(RESULTS.read_text()))
