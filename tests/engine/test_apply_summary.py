"""Both apply commands print one summary: counts, then each failed and skipped change."""

from __future__ import annotations

import io

from adapters.errors import Failure, Reason
from reconciler.cli.apply_summary import write_apply_summary
from reconciler.engine.applier import Skip
from reconciler.engine.engine import ApplyResult


def test_failures_and_skips_are_listed_under_the_counts_with_their_reason_codes() -> None:
    result = ApplyResult(
        applied=["a"],
        failed={"b": Failure(Reason.THROTTLING, "HttpResponseError: boom", "TooManyRequests", retryable=True),
                "e": Failure(Reason.VALIDATION, "HttpResponseError: bad", "InvalidParameter")},
        skipped={"c": Skip.of("b"), "d": Skip.of("stop requested")},
    )
    out = io.StringIO()
    write_apply_summary(result, out, stale=0)
    assert out.getvalue().splitlines() == [
        "Apply complete: 1 applied, 2 failed (0 stale), 2 skipped.",
        "  ! b: HttpResponseError: boom [throttling; retryable]",
        "  ! e: HttpResponseError: bad [validation]",
        "  - c: skipped (depends on b) [dependency-failed]",
        "  - d: skipped (stop requested) [stop-requested]",
    ]
    assert result.to_json()["failed"]["b"] == {
        "reason": "throttling", "message": "HttpResponseError: boom", "code": "TooManyRequests", "retryable": True,
    }
    assert result.to_json()["skipped"]["c"] == {"reason": "dependency-failed", "cause": "b"}


def test_the_stale_count_is_shown_only_for_a_saved_plan() -> None:
    out = io.StringIO()
    write_apply_summary(ApplyResult(applied=["a"]), out)
    assert out.getvalue() == "Apply complete: 1 applied, 0 failed, 0 skipped.\n"
