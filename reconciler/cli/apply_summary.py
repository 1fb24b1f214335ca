"""The lines `reconcile --apply` and `reconcile apply PLAN` print after an apply."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from adapters.errors import Reason
from reconciler.runtime.safe_output import one_line

if TYPE_CHECKING:
    from reconciler.engine.engine import ApplyResult


def write_apply_summary(result: ApplyResult, out: TextIO, *, stale: int | None = None) -> None:
    """One summary line (with the count of stale-write refusals when given), then one
    line per failed (`!`) and skipped (`-`) change."""
    failed = f"{len(result.failed)} failed" + (f" ({stale} stale)" if stale is not None else "")
    out.write(f"Apply complete: {len(result.applied)} applied, {failed}, {len(result.skipped)} skipped.\n")
    for address, failure in sorted(result.failed.items()):
        again = "; retryable" if failure.retryable else ""
        # An ARM message cannot add a line (the output funnel, reconciler/runtime/safe_output.py).
        out.write(one_line(f"  ! {address}: {failure} [{failure.reason}{again}]") + "\n")
    for address, skip in sorted(result.skipped.items()):
        why = skip.cause if skip.reason is Reason.STOP_REQUESTED else f"depends on {skip.cause}"
        out.write(one_line(f"  - {address}: skipped ({why}) [{skip.reason}]") + "\n")
