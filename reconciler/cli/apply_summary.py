"""The lines `reconcile --apply` and `reconcile apply PLAN` print after an apply."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from reconciler.runtime.safe_output import one_line

if TYPE_CHECKING:
    from reconciler.engine.engine import ApplyResult

#: A skip cause that is not the address of a failed dependency.
STOP_REQUESTED = "stop requested"


def write_apply_summary(result: ApplyResult, out: TextIO, *, stale: int | None = None) -> None:
    """One summary line (with the count of stale-write refusals when given), then one
    line per failed (`!`) and skipped (`-`) change."""
    failed = f"{len(result.failed)} failed" + (f" ({stale} stale)" if stale is not None else "")
    out.write(f"Apply complete: {len(result.applied)} applied, {failed}, {len(result.skipped)} skipped.\n")
    for address, error in sorted(result.failed.items()):
        out.write(one_line(f"  ! {address}: {error}") + "\n")  # an ARM message cannot add a line
    for address, cause in sorted(result.skipped.items()):
        why = cause if cause == STOP_REQUESTED else f"depends on {cause}"
        out.write(one_line(f"  - {address}: skipped ({why})") + "\n")
