"""`reconcile history`: drift written back (who changed it, the body overwritten) and our writes.

    reconcile history ADDRESS [--env E] [--since WHEN] [--show N]   one resource
    reconcile history --env E [--since 24h]                          every resource, e.g. "what drifted
                                                                     in dev since yesterday"

WHEN is a duration back from now (`30m`, `24h`, `7d`) or a UTC time (`2026-11-29T10:00Z`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.controller.history import MAX_AGE, History, render, render_since, stamp

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d)\s*$")
_UNIT = {"m": 60, "h": 3600, "d": 86400}


def since_cutoff(text: str, now: datetime | None = None) -> datetime:
    """`--since`: a duration back from now (`30m`, `24h`, `7d`) or an ISO 8601 time (UTC unless it says)."""
    from reconciler.cli.common import UsageError

    now = now or datetime.now(UTC)
    ago = _AGO.match(text)
    try:
        if ago:
            return now - timedelta(seconds=float(ago[1]) * _UNIT[ago[2]])
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except OverflowError:  # further back than datetime reaches (year 1)
        raise UsageError(f"--since {text!r}: further back than any time; use e.g. 30m, 24h, {MAX_AGE.days}d "
                         f"(history is kept {MAX_AGE.days} days)") from None
    except ValueError:
        raise UsageError(f"--since {text!r}: not a duration or a time; use e.g. 30m, 24h, 7d or "
                         "2026-11-29T10:00Z") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    from reconciler.cli.common import DEFAULT_ENV, add_env_option
    from reconciler.cli.common import Parser as _Parser

    p = _Parser(prog="reconcile history",
                description="Drift events, attributions and our writes: of one resource, or of every resource "
                            f"of an environment since a time (kept {MAX_AGE.days} days).")
    p.add_argument("address", nargs="?",
                   help="desired-state address, e.g. messaging.queue.orders (see `reconcile show`); "
                        "without it, every resource")
    add_env_option(p, DEFAULT_ENV)
    p.add_argument("--since", metavar="WHEN",
                   help="only events since WHEN: a duration back (30m, 24h, 7d) or a UTC time (2026-11-29T10:00Z)")
    p.add_argument("--show", type=int, metavar="N", help="print the body that drift event N's write overwrote")
    p.add_argument("--output", choices=("text", "json"), default="text")
    p.add_argument("--emulator-state", metavar="PATH")
    p.add_argument("--emulator-url", metavar="URL")
    p.add_argument("--lease", choices=("auto", "blob", "file", "none"), default="auto",
                   help="where the controller keeps its state: with its lease (default auto, as `reconcile run`)")
    p.add_argument("--lease-connection-string", default=None,
                   help="storage connection string of the blob lease (else $RECONCILER_LEASE_CONNECTION_STRING)")
    return p


def history_command(argv: list[str], out: Any, err: Any) -> int:
    """``reconcile history [ADDRESS] [--since WHEN] [--show N]``."""
    from reconciler.cli.common import UsageError, check_address, desired_state
    from reconciler.controller.controller_state import documents_for
    from reconciler.engine.session import open_session

    args = _parser().parse_args(argv)
    args.lease_connection_string = args.lease_connection_string or os.environ.get("RECONCILER_LEASE_CONNECTION_STRING")
    cutoff = since_cutoff(args.since) if args.since is not None else None
    if args.address is None and args.show is not None:
        raise UsageError("--show N prints a body one resource's event overwrote: pass its ADDRESS too")
    if args.address is None and cutoff is None:
        raise UsageError("without an ADDRESS, pass --since WHEN (e.g. --since 24h) for every resource's history")
    if args.address is not None:
        check_address(args.address, [r.address for r in desired_state(args.env).resources], args.env)
    session = open_session(args.env, emulator_state=args.emulator_state, emulator_url=args.emulator_url)
    history = History(documents_for(args, session), args.env)
    if args.address is None and cutoff is not None:
        found = history.since(cutoff)
        if args.output == "json":
            out.write(json.dumps({"environment": args.env, "since": stamp(cutoff),
                                  "events": [{"address": a, **e} for a, e in found]}, indent=2) + "\n")
        else:
            out.write(render_since(args.env, args.since, found))
        return 0
    address: str = args.address
    events = history.events(address, cutoff)
    if args.show is not None:
        chosen = next((e for e in events if int(e.get("n", 0)) == args.show), None)
        if chosen is None or chosen.get("overwritten") is None:
            numbers = ", ".join(str(e.get("n")) for e in events if e.get("overwritten") is not None) or "none"
            raise UsageError(f"--show {args.show}: no overwritten body kept for event {args.show} of {address} "
                             f"(events with one: {numbers})")
        out.write(json.dumps(chosen["overwritten"], indent=2, sort_keys=True) + "\n")
        return 0
    if args.output == "json":
        out.write(json.dumps({"address": address, "events": events}, indent=2) + "\n")
    else:
        out.write(render(address, events))
    return 0

