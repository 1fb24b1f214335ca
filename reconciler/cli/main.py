"""The `reconcile` command.

    reconcile                                           help (reads nothing)
    reconcile plan [--env ENV] ...                      plan only (= reconcile --dry-run)
    reconcile apply [--env ENV] [--auto-approve] ...    plan, and apply after asking (= reconcile --env ENV)
    reconcile plan --out PLANFILE / apply PLANFILE      save a plan for review / apply exactly it (docs/plan-format.md)
    reconcile show [ADDRESS] | graph | history | compare | emulator | run | version     see `reconcile COMMAND --help`

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error (bad input included), 2 changes
present (only with --detailed-exitcode; and `reconcile compare` when live does not satisfy desired).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from reconciler.cli.apply_summary import write_apply_summary
from reconciler.cli.colour import add_colour_options
from reconciler.cli.common import (
    DEFAULT_ENV,
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    Parser,
    UsageError,
    add_common_options,
    add_layer_file_option,
    add_out_options,
    configure_default_logging,
    configure_logging_from,
    tool_version,
)
from reconciler.runtime.inputs import check_target_options
from reconciler.runtime.suggest import did_you_mean

__all__ = ["DEFAULT_ENV", "EXIT_CHANGES", "EXIT_ERROR", "EXIT_OK", "SUBCOMMANDS", "UsageError", "main"]

_Parser, _common, _configure_logging = Parser, add_common_options, configure_logging_from

log = logging.getLogger("reconciler.cli")

#: The commands, in the order help lists them, with what each does.
COMMANDS: dict[str, str] = {
    "plan": "show what would change, write nothing (= reconcile --dry-run); --out PLANFILE saves it",
    "apply": "plan and apply after asking (--auto-approve: without), or apply a saved plan: apply PLANFILE",
    "show": "an environment's resources, or one: show ADDRESS [--live] (desired, live, their diff)",
    "show-plan": "render a saved plan like the dry run",
    "history": "drift written back and our writes: of one resource, or all since a time (--since 24h)",
    "graph": "the dependency graph (Mermaid or DOT), whole or around one resource (--target-resource)",
    "import": "write resource groups as Azure holds them into a layer module (--layer-file tries it; docs/import.md)",
    "compare": "why does it think this drifted? compare a desired and a live ARM body",
    "run": "the controller: scheduled cycles, drift telemetry, lease, health endpoints",
    "emulator": "the local ARM emulator: serve it over HTTP, reset its state",
    "version": "print the version",
}
SUBCOMMANDS = tuple(COMMANDS)

_OVERVIEW = (
    "commands:\n"
    + "".join(f"  {name:<10} {what}\n" for name, what in COMMANDS.items())
    + "\nWithout a command, `reconcile [options]` plans and applies like `reconcile apply` (the options below).\n"
    "`reconcile COMMAND --help` describes a command. Targets the local ARM emulator unless\n"
    "AZURE_SUBSCRIPTION_ID is set (README.md, \"Targeting Azure\")."
)

#: What `reconcile plan` and `reconcile apply` (with no plan file) fix that the flag form leaves open.
PLAN, APPLY = "plan", "apply"


def _plan_parser(mode: str | None = None) -> argparse.ArgumentParser:
    if mode is None:
        p = _Parser(prog="reconcile", usage="reconcile [COMMAND] [options]",
                    description="Keep an Azure environment equal to its desired state.\n\n" + _OVERVIEW,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--version", action="version", version=version_line())
    elif mode == PLAN:
        p = _Parser(prog="reconcile plan", description="Plan one environment and print the plan; writes nothing.")
    else:
        p = _Parser(prog="reconcile apply", description="Plan one environment, print the plan, ask, and apply it. "
                    "To apply a saved plan instead: reconcile apply PLANFILE (see `reconcile show-plan`).")
    _common(p)
    # `plan` never applies and `apply` always does: their contrary flag is refused with the fix.
    p.add_argument("--dry-run", action="store_true",
                   help=argparse.SUPPRESS if mode is not None else "plan only; write nothing")
    p.add_argument("--yes", "-y", "--auto-approve", dest="yes", action="store_true",
                   help=argparse.SUPPRESS if mode == PLAN else "apply without asking for confirmation")
    from reconciler.cli.renderers import formats

    p.add_argument("--output", choices=formats(), default="text")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="list every write-only attribute that cannot be verified (else one summary line)")
    p.add_argument("--detailed-exitcode", action="store_true",
                   help="exit 0 when there are no changes, 2 when there are, 1 on error")
    p.add_argument("--allow-replace", action="store_true", help="allow replacing resources (delete + create)")
    p.add_argument("--prune", action="store_true", help="delete owned resources that are no longer desired")
    p.add_argument("--allow-data-loss", action="store_true",
                   help="allow deleting/replacing data-holding types (SQL, storage, Key Vault, Cosmos DB, Redis)")
    p.add_argument("--allow-prod-destroy", action="store_true", help="allow deletes and replaces in prod")
    p.add_argument("--adopt", action="append", default=[], metavar="ADDRESS",
                   help="take over an existing resource without our ownership tags: an address or a glob over "
                        "addresses, e.g. 'imported.*' (repeatable)")
    add_layer_file_option(p)
    p.add_argument("--target-resource", action="append", default=[], metavar="ADDRESS",
                   help="reconcile only ADDRESS and what it depends on (repeatable)")
    p.add_argument("--parallelism", type=int, default=16, help="concurrent writes (default %(default)s)")
    p.add_argument("--observe", choices=("per-resource", "graph", "auto"), default="auto",
                   help="how to observe: per-resource ARM reads, Resource Graph, or auto (graph above 350 "
                        "resources; docs/observe-modes.md) (default %(default)s)")
    add_out_options(p, hidden=mode == APPLY, with_dry_run=mode != PLAN)
    add_colour_options(p)
    return p


def version_line() -> str:
    return f"reconcile {tool_version()} (azure-reconciler; Python {sys.version.split()[0]})"


def _confirm(environment: str, out: TextIO) -> bool:
    out.write(f"\nApply these changes to {environment}? Only 'yes' will be accepted: ")
    out.flush()
    return sys.stdin.readline().strip() == "yes"


def cmd_plan(argv: Sequence[str], out: TextIO, err: TextIO, mode: str | None = None) -> int:
    args = _plan_parser(mode).parse_args(argv)
    if mode == PLAN and args.yes:
        raise UsageError("reconcile plan never applies: drop --yes/--auto-approve, or run `reconcile apply`")
    if mode == APPLY and args.dry_run:
        raise UsageError("reconcile apply applies: drop --dry-run, or run `reconcile plan` to only plan")
    args.dry_run = args.dry_run or mode == PLAN
    if args.parallelism < 1:
        raise UsageError(f"--parallelism {args.parallelism}: must be at least 1")
    if args.dry_run and args.yes:
        raise UsageError("--dry-run and --yes conflict: --dry-run never applies; drop one of them")
    check_target_options(args)
    if args.emulator_state and args.emulator_url:
        raise UsageError("--emulator-state and --emulator-url conflict: choose the embedded or the served emulator")
    apply_mode = not args.dry_run
    if args.out or args.force:
        from reconciler.cli.plan_commands import check_out_option

        check_out_option(args.out, dry_run=args.dry_run, force=args.force)
    from reconciler.cli.colour import colour_wanted
    from reconciler.cli.renderers import RenderOptions, choose

    # The renderer is chosen once: it decides what stdout holds (JSON: the plan and nothing else).
    renderer = choose(args.output, RenderOptions(colour=colour_wanted(out, args.colour), verbose=args.verbose))
    if apply_mode and renderer.with_outcome and not args.yes:
        # As `terraform apply -json` ("Plan file or auto-approve required"): this output is
        # written once the apply has finished, so there is no plan to show before asking.
        raise UsageError(
            f"--output {args.output} writes the plan after the apply, with each change's outcome, so it cannot ask "
            "first: add --auto-approve (review the plan with `reconcile plan` first), or apply a saved plan with "
            f"`reconcile apply PLANFILE --output {args.output}`"
        )
    if apply_mode and not args.yes and not sys.stdin.isatty():
        raise UsageError(
            "refusing to apply without confirmation: no terminal to ask on; pass --yes (--auto-approve) to apply "
            "or use `reconcile plan` to only plan"
        )
    _configure_logging(args)
    from reconciler.cli.plan_view import PlanView
    from reconciler.engine.safety import SafetyPolicy
    from reconciler.engine.session import open_session

    status = err if renderer.for_machines else out
    safety = SafetyPolicy(
        allow_replace=args.allow_replace,
        prune=args.prune,
        allow_data_loss=args.allow_data_loss,
        allow_prod_destroy=args.allow_prod_destroy,
        adopt=frozenset(args.adopt),
    )
    session = open_session(
        args.env, safety=safety, emulator_state=args.emulator_state, emulator_url=args.emulator_url,
        apply_workers=args.parallelism, targets=args.target_resource, observe=args.observe,
        layer_files=args.layer_file,
    )
    session.target.clients.start_run()  # the run's wait budget starts now
    status.write(session.target.banner + "\n")
    engine = session.engine
    try:
        selected = engine.select(args.target_resource) if args.target_resource else None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    if apply_mode:
        engine.preflight()  # every file the apply records to is writable, before the plan is even made
    observation = engine.observe(selected, prune_scan=selected is None)
    (breaker := session.target.clients.breaker).raise_if_tripped()  # a dead endpoint: one line, not one per resource
    if apply_mode:
        from reconciler.engine.resume import resume_operations

        # Operations an interrupted run left in flight finish first (polling
        # only), so the plan sees what is there now and no stale token lingers.
        if resume_operations(engine, observation.live).any:
            observation = engine.observe(selected, prune_scan=selected is None)
    plan = engine.plan(observation, selected)
    runs = apply_mode and not plan.errors and any(c.runnable for c in plan.changes)
    if not (runs and renderer.with_outcome):
        renderer.write(PlanView.of(plan), out)
    if args.out:
        from reconciler.cli.plan_commands import save_plan

        save_plan(args, session, plan, observation, status)
    if plan.errors:
        return EXIT_ERROR
    if not apply_mode or not any(c.runnable for c in plan.changes):
        if apply_mode:
            status.write("Nothing to apply.\n")
        return EXIT_CHANGES if args.detailed_exitcode and plan.has_changes else EXIT_OK
    if not args.yes and not _confirm(args.env, out):
        status.write("Apply cancelled.\n")
        return EXIT_ERROR
    from reconciler.cli.apply_progress import ApplyProgress
    from reconciler.controller.controller_state import history_for
    from reconciler.controller.history import record_outcomes, record_overwritten

    record_overwritten(history := history_for(session), engine, plan, observation.live)  # as every write path does
    with ApplyProgress(err) as progress:
        result = engine.apply(plan, observation, on_start=progress.started, on_progress=progress)
    breaker.raise_if_tripped()
    record_outcomes(history, plan, result.applied, result.failed)
    if renderer.with_outcome:
        renderer.write(PlanView.of(plan, result), out)
    write_apply_summary(result, status)
    if result.failed:
        return EXIT_ERROR
    return EXIT_CHANGES if args.detailed_exitcode and plan.has_changes else EXIT_OK


def cmd_show(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.show_command import show_command

    return show_command(argv, out, err)


def cmd_graph(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.graph_command import graph_command

    return graph_command(argv, out, err)


def cmd_compare(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    p = _Parser(prog="reconcile compare",
                description="Compare a desired and a live ARM body with the type's rules; exit 0 in sync, 2 not.")
    p.add_argument("--type", required=True, dest="arm_type", help="ARM type, e.g. Microsoft.Network/virtualNetworks")
    p.add_argument("desired")
    p.add_argument("live")
    p.add_argument("--output", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    from reconciler.cli.compare_command import run

    return run(args.arm_type, args.desired, args.live, args.output, out)


def cmd_emulator(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    p = _Parser(prog="reconcile emulator", description="The local ARM emulator.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    from reconciler.engine.arm_target import register_emulator_commands

    register_emulator_commands(sub)
    args = p.parse_args(argv)
    return int(args.func(args))


def cmd_plan_only(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    return cmd_plan(argv, out, err, mode=PLAN)


def cmd_apply(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """`reconcile apply PLANFILE` applies a saved plan; without one, it plans and applies (asking)."""
    from reconciler.cli.plan_commands import apply_command, names_a_plan_file

    if names_a_plan_file(argv, _plan_parser(APPLY)):
        return apply_command(argv, out, err)
    return cmd_plan(argv, out, err, mode=APPLY)


def cmd_version(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    _Parser(prog="reconcile version", description="Print the version.").parse_args(argv)
    out.write(version_line() + "\n")
    return EXIT_OK


def cmd_show_plan(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.plan_commands import show_plan_command

    return show_plan_command(argv, out, err)


def cmd_run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.run_command import main as controller_main

    return controller_main(argv, out, err)


def cmd_import(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.import_command import import_command

    return import_command(argv, out, err)


def cmd_history(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from reconciler.cli.history_command import history_command as history_main

    return history_main(list(argv), out, err)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Every text output (plan, JSON, errors, progress, logs) passes one funnel:
    # secrets masked, control characters escaped, a closed reader remembered.
    saved = sys.stdout, sys.stderr
    out, err = _safe(sys.stdout), _safe(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        configure_default_logging()
        code = _dispatch(argv, out, err)
        out.flush()
    finally:
        sys.stdout, sys.stderr = saved
    if out.broken:
        # The reader went away (`| head`): the run went on, but its outcome
        # was not all reported, so it is no success.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.stream.fileno())
        err.write("reconcile: error: stdout was closed before all output was written; "
                  "the outcome was not fully reported (read it with `reconcile --dry-run`)\n")
        return EXIT_ERROR
    return code


def _safe(stream: Any) -> Any:
    from reconciler.runtime.safe_output import SafeStream

    return stream if isinstance(stream, SafeStream) else SafeStream(stream)


def _handlers() -> dict[str, Callable[[Sequence[str], Any, Any], int]]:
    return {"plan": cmd_plan_only, "apply": cmd_apply, "show": cmd_show, "show-plan": cmd_show_plan,
            "history": cmd_history, "graph": cmd_graph, "compare": cmd_compare, "run": cmd_run,
            "emulator": cmd_emulator, "version": cmd_version, "import": cmd_import}


def _dispatch(argv: list[str], out: Any, err: Any) -> int:
    try:
        if not argv:
            # As `terraform` and `az` do: a bare command is a question, not a run; nothing is read.
            out.write(_plan_parser().format_help())
            return EXIT_OK
        if argv[0].startswith("-"):
            return cmd_plan(argv, out, err)  # the flag form: `reconcile --dry-run --env dev`
        handler = _handlers().get(argv[0])
        if handler is None:
            raise UsageError(
                f"reconcile: unknown command {argv[0]!r}{did_you_mean(argv[0], COMMANDS)} "
                f"(commands: {', '.join(COMMANDS)}; see `reconcile --help`)"
            )
        return handler(argv[1:], out, err)
    except KeyboardInterrupt:
        err.write("reconcile: interrupted\n")
        return EXIT_ERROR
    except Exception as exc:
        return _report_error(exc, err)


def _report_error(exc: BaseException, err: TextIO) -> int:
    """Known bad input: one clear line, no traceback. Anything else: one line
    too, the traceback only at debug level. Registered secrets are masked."""
    from pydantic import ValidationError

    from reconciler.engine.arm_target import state_file_errors
    from reconciler.runtime.logs import redact
    from reconciler.runtime.safe_output import one_line

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first.get("loc", ()))
        message = f"invalid setting {loc}: {first.get('msg')}"
    elif isinstance(exc, (UsageError, ValueError, OSError, *state_file_errors())):
        # DesiredStateError, TargetError, EmulatorStateError and the compare
        # command's input errors are ValueErrors that name the field and fix.
        message = str(exc)
    else:
        log.debug("unexpected error", exc_info=exc)
        from adapters.errors import describe

        message = describe(exc)
    err.write(f"reconcile: error: {one_line(redact(message))}\n")  # one line, whatever the message holds
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
