"""Both apply commands print one summary: counts, then each failed and skipped change."""

from __future__ import annotations

import io

from reconciler.cli.apply_summary import write_apply_summary
from reconciler.engine.engine import ApplyResult


def test_failures_and_skips_are_listed_under_the_counts() -> None:
    result = ApplyResult(applied=["a"], failed={"b": "HttpResponseError: boom"},
                         skipped={"c": "b", "d": "stop requested"})
    out = io.StringIO()
    write_apply_summary(result, out, stale=0)
    assert out.getvalue().splitlines() == [
        "Apply complete: 1 applied, 1 failed (0 stale), 2 skipped.",
        "  ! b: HttpResponseError: boom",
        "  - c: skipped (depends on b)",
        "  - d: skipped (stop requested)",
    ]


def test_the_stale_count_is_shown_only_for_a_saved_plan() -> None:
    out = io.StringIO()
    write_apply_summary(ApplyResult(applied=["a"]), out)
    assert out.getvalue() == "Apply complete: 1 applied, 0 failed, 0 skipped.\n"
