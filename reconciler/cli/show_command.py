"""`reconcile show`: an environment's resources, or one resource as `terraform state show` and
`az resource show` would show it.

    reconcile show [--env E]                          resource count, ARM types and addresses
    reconcile show ADDRESS [--env E]                  the desired body (nothing is read from Azure)
    reconcile show ADDRESS --live [--env E]           ... and the live body, read now by id, and their
                                                      diff as a plan would show it (who changed it too)

Secrets never appear: the resource's write-only paths are shown as "(sensitive)" in both bodies.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from reconciler.cli.common import (
    DEFAULT_ENV,
    EXIT_CHANGES,
    EXIT_OK,
    UsageError,
    add_env_option,
    check_address,
    desired_state,
)
from reconciler.cli.common import Parser as _Parser
from reconciler.runtime.safe_output import one_line

if TYPE_CHECKING:
    from desired_state.resource import Resource
    from reconciler.cli.plan_view import PlanView


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="reconcile show",
                description="An environment's resources; with ADDRESS, one resource: its desired body, and with "
                            "--live its live body (read by id) and their diff.")
    p.add_argument("address", nargs="?", help="desired-state address, e.g. networking.nsg.app (see `reconcile show`)")
    add_env_option(p, DEFAULT_ENV)
    p.add_argument("--live", action="store_true", help="read the live resource by id and show the diff")
    p.add_argument("--detailed-exitcode", action="store_true",
                   help="with --live: exit 0 when live matches the desired state, 2 when it differs")
    p.add_argument("--output", choices=("text", "json"), default="text")
    p.add_argument("--emulator-state", metavar="PATH", help="emulator state file (default .reconciler/emulator.db)")
    p.add_argument("--emulator-url", metavar="URL", help="a served emulator, e.g. http://127.0.0.1:8443")
    return p


def show_command(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _parser().parse_args(argv)
    if args.address is None:
        if args.live or args.detailed_exitcode:
            raise UsageError("--live and --detailed-exitcode show one resource: pass its ADDRESS "
                             "(`reconcile show --env E` lists them)")
        return _estate(args.env, args.output, out)
    if args.emulator_state and args.emulator_url:
        raise UsageError("--emulator-state and --emulator-url conflict: choose the embedded or the served emulator")
    resource = desired_resource(args.env, args.address)
    if not args.live:
        document = _document(resource)
        if args.output == "json":
            out.write(json.dumps(document, indent=2, default=str) + "\n")
        else:
            _write_text(document, out)
        return EXIT_OK
    return _live(args, out, err)


def desired_resource(environment: str, address: str) -> Resource:
    """The desired resource at `address`, else a usage error naming the closest address (built
    from the desired state only: nothing is read)."""
    state = desired_state(environment)
    return state.by_address(check_address(address, [r.address for r in state.resources], environment))


def _estate(environment: str, output: str, out: TextIO) -> int:
    from desired_state.state import summarize

    state = desired_state(environment)
    summary = summarize(state)
    if output == "json":
        out.write(json.dumps(summary, indent=2, default=str) + "\n")
        return EXIT_OK
    out.write(f"{environment}: {summary['resources']} resources\n")
    for arm_type, count in sorted(summary["types"].items()):
        out.write(f"  {count:4d}  {arm_type}\n")
    out.write("\naddresses:\n")
    for r in state.resources:
        out.write(f"  {r.address}  ({r.type})\n")
    return EXIT_OK


def _live(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reconciler.cli.plan_view import PlanView
    from reconciler.engine.session import open_session

    session = open_session(args.env, emulator_state=args.emulator_state, emulator_url=args.emulator_url,
                           targets=[args.address])
    (err if args.output == "json" else out).write(session.target.banner + "\n")
    engine = session.engine
    selected = engine.select([args.address])  # what its references need is read too
    observation = engine.observe(selected, prune_scan=False)
    if args.address in observation.errors:
        raise UsageError(f"{args.address}: could not be read: {observation.errors[args.address]}")
    plan = engine.plan(observation, [args.address])
    change = plan.change(args.address)
    resource = session.state.by_address(args.address)  # with the target's subscription in its id
    document = _document(resource)
    live = observation.live.get(args.address)
    document["live"] = with_secrets_masked(live, resource.secrets, desired=False) if live is not None else None
    document.update({k: v for k, v in change.to_json().items() if k in _CHANGE_FIELDS})
    if args.output == "json":
        out.write(json.dumps(document, indent=2, default=str) + "\n")
    else:
        _write_text(document, out, _diff_block(PlanView.of(plan)))
    return EXIT_CHANGES if args.detailed_exitcode and change.is_change else EXIT_OK


#: Of the plan's change (docs/plan-format.md), what `show ADDRESS --live --output json` adds.
_CHANGE_FIELDS = ("action", "diff", "unverifiable", "blocked", "attribution")


def with_secrets_masked(body: Mapping[str, Any], secret_paths: Iterable[str], *, desired: bool) -> dict[str, Any]:
    """A copy of `body` with its secret paths shown as "(sensitive)": in a desired body every one
    (secrets travel apart from it, and are shown where they go), in a live body those it holds."""
    from reconciler.engine.plan import SENSITIVE

    copy: dict[str, Any] = json.loads(json.dumps(body, default=str))
    for path in secret_paths:
        node: Any = copy
        *parents, leaf = path.split(".")
        for part in parents:
            if desired and not isinstance(node.get(part), dict):
                node[part] = {}
            node = node.get(part)
            if not isinstance(node, dict):
                break
        else:
            if desired or leaf in node:
                node[leaf] = SENSITIVE
    return copy


def _document(resource: Resource) -> dict[str, Any]:
    return {
        "address": resource.address, "id": resource.id, "type": resource.type, "layer": resource.layer,
        "depends_on": list(resource.depends_on), "desired": with_secrets_masked(resource.body, resource.secrets, desired=True),
    }


def _write_text(document: dict[str, Any], out: TextIO, diff: list[str] | None = None) -> None:
    out.write(f"# {document['address']} ({document['type']})\n")
    out.write(f"id: {document['id']}\n")
    out.write(f"layer: {document['layer']}; depends on: {', '.join(document['depends_on']) or 'nothing'}\n")
    out.write("\ndesired:\n" + _indented(document["desired"]))
    if "live" not in document:
        out.write("\n(the desired state only: --live reads the live resource and shows the diff)\n")
        return
    if document["live"] is None:
        out.write("\nlive: does not exist (a plan would create it)\n")
        return
    out.write("\nlive (read now, by id):\n" + _indented(document["live"]))
    if document["action"] == "noop":
        out.write("\nIn sync: the live resource satisfies the desired state.\n")
    else:
        out.write("\ndiff (what `reconcile plan` would do):\n" + "".join(one_line(line) + "\n" for line in diff or ()))


def _indented(body: Any) -> str:
    return "".join(f"  {line}\n" for line in json.dumps(body, indent=2, sort_keys=True, default=str).splitlines())


def _diff_block(view: PlanView) -> list[str]:
    """The resource's own block of the text plan (no plan header, no summary line)."""
    from reconciler.cli.renderers.text import change_lines

    return [text for change in view.changes for _, text in change_lines(change)]
