"""`reconcile history ADDRESS [--show N]`: drift events, attributions and our writes of one resource."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from reconciler.controller.history import History, render


def history_command(argv: list[str], out: Any, err: Any) -> int:
    """``reconcile history ADDRESS [--show N]``: drift events, attributions and our writes of one resource."""
    from reconciler.cli.common import DEFAULT_ENV, UsageError
    from reconciler.cli.common import Parser as _Parser
    from reconciler.controller.controller_state import documents_for
    from reconciler.engine.session import open_session

    p = _Parser(prog="reconcile history", description="Drift events, attributions and our writes of a resource.")
    p.add_argument("address", help="desired-state address, e.g. messaging.queue.orders (see `reconcile show`)")
    p.add_argument("--env", default=DEFAULT_ENV)
    p.add_argument("--show", type=int, metavar="N", help="print the body that drift event N's write overwrote")
    p.add_argument("--output", choices=("text", "json"), default="text")
    p.add_argument("--emulator-state", metavar="PATH")
    p.add_argument("--emulator-url", metavar="URL")
    p.add_argument("--lease", choices=("auto", "blob", "file", "none"), default="auto",
                   help="where the controller keeps its state: with its lease (default auto, as `reconcile run`)")
    p.add_argument("--lease-connection-string", default=None,
                   help="storage connection string of the blob lease (else $RECONCILER_LEASE_CONNECTION_STRING)")
    args: argparse.Namespace = p.parse_args(argv)
    args.lease_connection_string = args.lease_connection_string or os.environ.get("RECONCILER_LEASE_CONNECTION_STRING")
    session = open_session(args.env, emulator_state=args.emulator_state, emulator_url=args.emulator_url,
                           targets=[args.address])
    history = History(documents_for(args, session), args.env)
    events = history.events(args.address)
    if args.show is not None:
        chosen = next((e for e in events if int(e.get("n", 0)) == args.show), None)
        if chosen is None or chosen.get("overwritten") is None:
            numbers = ", ".join(str(e.get("n")) for e in events if e.get("overwritten") is not None) or "none"
            raise UsageError(f"--show {args.show}: no overwritten body kept for event {args.show} of {args.address} "
                             f"(events with one: {numbers})")
        out.write(json.dumps(chosen["overwritten"], indent=2, sort_keys=True) + "\n")
        return 0
    if args.output == "json":
        out.write(json.dumps({"address": args.address, "events": events}, indent=2) + "\n")
    else:
        out.write(render(args.address, events))
    return 0
