"""The saved-plan commands: `--out` of the dry run, `reconcile apply PLANFILE`
and `reconcile show-plan PLANFILE` (format and rules in reconciler/cli/planfile.py
and docs/plan-format.md)."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from adapters.errors import Reason
from reconciler.cli.apply_summary import write_apply_summary
from reconciler.cli.colour import add_colour_options
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, UsageError, add_env_option
from reconciler.cli.common import Parser as _Parser
from reconciler.cli.common import configure_logging_from as _configure_logging
from reconciler.cli.planfile import (
    SavedPlan,
    build_document,
    check_integrity,
    check_out,
    load,
    save,
)
from reconciler.runtime.safe_output import one_line

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reconciler.engine.engine import Observation
    from reconciler.engine.plan import Plan
    from reconciler.engine.session import Session

#: Default of `reconcile apply --max-age`.
MAX_AGE_ENV = "RECONCILER_PLAN_MAX_AGE"
#: `reconcile apply PLANFILE --output`: the formats that report an apply's outcome (JSON has no
#: outcome document; `show-plan --output json` gives the plan's).
_APPLY_OUTPUTS = ("text", "markdown")


def check_out_option(out: str | None, *, dry_run: bool, force: bool = False) -> None:
    """`--out` is checked before anything is read: it can be written, and is not another file."""
    if not out:
        raise UsageError("--force only applies to --out (replace PLANFILE even when it is not a saved plan)")
    if not dry_run:
        raise UsageError(
            "--out saves a plan for review and needs --dry-run (or `reconcile plan --out PLANFILE`); apply the "
            "saved plan with `reconcile apply PLANFILE`"
        )
    check_out(Path(out), force=force)


def save_plan(args: argparse.Namespace, session: Session, plan: Plan, observation: Observation, to: TextIO) -> None:
    options = {
        "allow_replace": args.allow_replace, "prune": args.prune, "allow_data_loss": args.allow_data_loss,
        "allow_prod_destroy": args.allow_prod_destroy, "adopt": sorted(args.adopt),
        "target_resource": list(args.target_resource), "layer_files": list(args.layer_file),
    }
    document = build_document(
        session.engine, plan, observation, subscription_id=session.target.subscription_id, options=options
    )
    save(Path(args.out), document, force=getattr(args, "force", False))
    runnable = sum(1 for c in plan.changes if c.runnable)
    shown = one_line(args.out)  # a path holding a newline cannot start a line of its own
    to.write(f"Saved plan: {shown} ({runnable} change(s) to apply). Apply it with `reconcile apply {shown}`.\n")


def names_a_plan_file(argv: Sequence[str], plan_parser: argparse.ArgumentParser) -> bool:
    """Whether `reconcile apply ARGV` names a saved plan (a positional argument) rather than
    planning and applying: option values (`--env prod`) are not positional."""
    takes_value = {
        s for parser in (plan_parser, _apply_parser()) for action in parser._actions
        if action.nargs != 0 for s in action.option_strings
    }
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            return next(tokens, None) is not None
        if not token.startswith("-"):
            return True
        if token in takes_value:
            next(tokens, None)  # its value
    return False


def _location(p: argparse.ArgumentParser) -> None:
    p.add_argument("--emulator-state", metavar="PATH", help="emulator state file (default .reconciler/emulator.db)")
    p.add_argument("--emulator-url", metavar="URL", help="a served emulator, e.g. http://127.0.0.1:8443")
    p.add_argument("--log-format", choices=("auto", "json", "text"), default="auto")
    p.add_argument("--log-level", default=os.environ.get("RECONCILER_LOG_LEVEL", "WARNING"))


def _apply_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="reconcile apply",
        description="Apply a saved plan (`reconcile plan --out PLANFILE`) exactly as reviewed: only its "
        "changes, each refused where the live resource moved since. Does not ask: the plan was the review. "
        "Without PLANFILE, `reconcile apply` plans and applies after asking (`reconcile apply --help` without "
        "PLANFILE lists its options).",
    )
    p.add_argument("planfile", help="the file written by `reconcile plan --out PLANFILE`")
    add_env_option(p, default=None)
    p.add_argument("--max-age", default=os.environ.get(MAX_AGE_ENV, "24h"),
                   help=f"refuse a plan older than this (default %(default)s; ${MAX_AGE_ENV})")
    p.add_argument("--parallelism", type=int, default=16, help="concurrent writes (default %(default)s)")
    p.add_argument("--output", choices=_APPLY_OUTPUTS, default="text",
                   help="text: progress and a summary; markdown: after the apply, the plan with each change's "
                        "outcome on stdout (for a CI summary page), the rest on stderr")
    p.add_argument("--yes", "-y", "--auto-approve", action="store_true", dest="yes",
                   help="accepted and ignored: a saved plan is applied without asking (the plan was the review), "
                        "as Terraform accepts -auto-approve with a plan file")
    _location(p)
    return p


def _max_age(text: str, argv: Sequence[str]) -> timedelta:
    """`--max-age`, or its default from RECONCILER_PLAN_MAX_AGE: a bad value names where it came from."""
    from reconciler.cli.run_command import parse_duration

    given = any(a == "--max-age" or a.startswith("--max-age=") for a in argv)
    source = "--max-age" if given or not os.environ.get(MAX_AGE_ENV) else MAX_AGE_ENV
    return timedelta(seconds=parse_duration(text, source))


def apply_command(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _apply_parser().parse_args(argv)
    max_age = _max_age(args.max_age, argv)
    if args.parallelism < 1:
        raise UsageError(f"--parallelism {args.parallelism}: must be at least 1")
    if args.emulator_state and args.emulator_url:
        raise UsageError("--emulator-state and --emulator-url conflict: choose the embedded or the served emulator")
    _configure_logging(args)
    from reconciler.cli.plan_guard import LiveGuard
    from reconciler.cli.planfile import PlanFileError, check_offline, verify
    from reconciler.cli.renderers import RenderOptions, choose

    renderer = choose(args.output, RenderOptions())
    status = err if renderer.for_machines else out
    from reconciler.engine.safety import SafetyPolicy
    from reconciler.engine.session import open_session

    saved = load(Path(args.planfile))
    if args.env is not None and args.env != saved.environment:
        raise PlanFileError(
            f"plan file {saved.path} is for {saved.environment}, not --env {args.env}; use a plan saved for {args.env}"
        )
    # What can be refused without a target is refused before one is opened (no state file created).
    check_offline(saved, key=_fingerprint_key(saved), max_age=max_age)
    options = saved.document.get("options") or {}
    safety = SafetyPolicy(adopt=frozenset(str(a) for a in options.get("adopt") or ()))
    session = open_session(
        saved.environment, safety=safety, emulator_state=args.emulator_state, emulator_url=args.emulator_url,
        apply_workers=args.parallelism, layer_files=[str(p) for p in options.get("layer_files") or ()],
    )
    engine = session.engine
    # Everything the plan claims is checked before the first call.
    verify(
        saved, environment=args.env, target_kind=session.target.kind, subscription_id=session.target.subscription_id,
        key=engine.fingerprint_key, state=session.state, max_age=max_age,
    )
    status.write(session.target.banner + "\n")
    plan = saved.plan()
    runnable = [c for c in plan.changes if c.runnable]
    status.write(
        f"Applying saved plan {saved.path} for {saved.environment} (saved {saved.document['created_at']} "
        f"by reconcile {saved.document['tool_version']}): {len(runnable)} change(s).\n"
    )
    if not runnable:
        if renderer.with_outcome:
            from reconciler.cli.plan_view import PlanView

            renderer.write(PlanView.of(plan), out)
        status.write("Nothing to apply.\n")
        return EXIT_OK
    # Reads (no writes) of what the writes refer to, for values known only after apply.
    needed = {c.address for c in runnable} | {d for c in runnable for d in c.depends_on}
    observation = engine.observe([a for a in engine.resources if a in needed], prune_scan=False)
    session.target.clients.breaker.raise_if_tripped()  # an endpoint that never answered: one line
    from reconciler.cli.apply_progress import ApplyProgress
    from reconciler.controller.controller_state import history_for
    from reconciler.controller.history import record_outcomes, record_overwritten

    history = history_for(session)  # what the saved plan's writes overwrite, read just now
    record_overwritten(history, engine, plan, observation.live)
    with ApplyProgress(err) as progress:
        result = engine.apply(
            plan, observation, on_start=progress.started, on_progress=progress, check=LiveGuard(engine, saved)
        )
    record_outcomes(history, plan, result.applied, result.failed)
    if renderer.with_outcome:
        from reconciler.cli.plan_view import PlanView

        renderer.write(PlanView.of(plan, result), out)
    stale = [a for a, e in result.failed.items() if e.reason is Reason.STALE]
    write_apply_summary(result, status, stale=len(stale))
    return EXIT_ERROR if result.failed else EXIT_OK


def _fingerprint_key(saved: SavedPlan) -> bytes:
    """The key `reconcile apply` will check the file with (as `open_session` derives it)."""
    from desired_state.settings import AppSecrets

    secrets = AppSecrets()
    if secrets.fingerprint_key:
        return secrets.fingerprint_key.get_secret_value().encode()
    return str(saved.document["target"].get("subscription_id", "")).encode()


def show_plan_command(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.renderers import formats

    p = _Parser(prog="reconcile show-plan", description="Render a saved plan like a dry run (for the approval page).")
    p.add_argument("planfile")
    p.add_argument("--output", choices=formats(), default="text")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="list every write-only attribute that cannot be verified (else one summary line)")
    add_colour_options(p)
    args = p.parse_args(argv)
    from reconciler.cli.colour import colour_wanted
    from reconciler.cli.plan_view import PlanView
    from reconciler.cli.renderers import RenderOptions, choose

    renderer = choose(args.output, RenderOptions(colour=colour_wanted(out, args.colour), verbose=args.verbose))
    saved = load(Path(args.planfile))
    check_integrity(saved, _fingerprint_key(saved))
    target: dict[str, Any] = saved.document["target"]
    header = one_line(
        f"Saved plan {saved.path}: {saved.environment} on {target.get('kind')} subscription "
        f"{target.get('subscription_id')}, saved {saved.document['created_at']} by reconcile "
        f"{saved.document['tool_version']}; apply with `reconcile apply {saved.path}`"
    ) + "\n"
    (err if renderer.for_machines else out).write(header)
    renderer.write(PlanView.of(saved.plan()), out)
    return EXIT_OK
