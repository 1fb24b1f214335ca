"""``reconcile emulator serve|reset``: register with ``emulator.cli.register(subparsers)``."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import local_files
from emulator import state_marker
from emulator.faults import FaultConfig
from emulator.server import serve
from emulator.store import Store, state_path

# flag -> FaultConfig field, type
_FAULT_FLAGS: list[tuple[str, str, type]] = [
    ("--seed", "seed", int),
    ("--latency-ms", "latency_ms", float),
    ("--lro-seconds", "lro_default_seconds", float),
    ("--throttle-scale", "throttle_scale", float),
    ("--error-rate", "error_rate", float),
    ("--lro-failure-rate", "lro_failure_rate", float),
    ("--hang-rate", "hang_rate", float),
    ("--hang-seconds", "hang_seconds", float),
    ("--drop-rate", "drop_rate", float),
    ("--principal-delay-seconds", "principal_delay_seconds", float),
    ("--read-after-create-404-seconds", "read_after_create_404_seconds", float),
    ("--conflict-rate", "conflict_rate", float),
]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``serve`` and ``reset`` to the ``emulator`` command's subparsers."""
    serve_cmd = subparsers.add_parser("serve", help="serve the emulator over HTTP on 127.0.0.1")
    serve_cmd.add_argument("--state", type=Path, default=None, help="state file (default: $RECONCILER_EMULATOR_STATE "
                           "or .reconciler/emulator.db)")
    serve_cmd.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 picks one)")
    for flag, dest, kind in _FAULT_FLAGS:
        serve_cmd.add_argument(flag, dest=dest, type=kind, default=None, help=f"fault setting {dest}")
    serve_cmd.add_argument("--lro-seconds-by-type", default=None, help="e.g. Microsoft.Sql/servers=5,Microsoft.Web/sites=2")
    serve_cmd.add_argument("--lro-fail-names", default=None, help="comma list of name patterns whose LRO fails")
    serve_cmd.add_argument("--no-throttle", action="store_true", help="disable ARM token-bucket throttling")
    serve_cmd.set_defaults(func=_serve)

    reset_cmd = subparsers.add_parser("reset", help="delete and recreate the emulator state file")
    reset_cmd.add_argument("--state", type=Path, default=None)
    reset_cmd.set_defaults(func=_reset)


def faults_from_args(args: argparse.Namespace) -> FaultConfig:
    """Environment settings, overridden by the flags given."""
    config = FaultConfig.from_env()
    changes: dict[str, object] = {}
    for _flag, dest, _kind in _FAULT_FLAGS:
        value = getattr(args, dest, None)
        if value is not None:
            changes[dest] = value
    if getattr(args, "lro_seconds_by_type", None):
        changes["lro_seconds"] = {
            name.strip(): float(secs)
            for name, _, secs in (part.partition("=") for part in args.lro_seconds_by_type.split(","))
            if name.strip()
        }
    if getattr(args, "lro_fail_names", None):
        changes["lro_fail_names"] = tuple(p.strip() for p in args.lro_fail_names.split(",") if p.strip())
    if getattr(args, "no_throttle", False):
        changes["throttle"] = False
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def _serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: not a TCP port; use 0-65535 (0 picks a free one)")
    state = state_path(args.state, "--state")
    new = state_marker.classify(state) != "ours"
    server = serve(state, args.port, faults_from_args(args))
    # The first line names the URL (tools read it); the announcement follows.
    print(f"emulator serving {state} at {server.base_url}", flush=True)
    if new:
        print(f"new, empty emulator state at {state}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _reset(args: argparse.Namespace) -> int:
    state = state_path(args.state, "--state")
    # Only an emulator state (or nothing) is ever deleted: a text file or another
    # application's database given by mistake is refused and left as it was.
    state_marker.classify(state)
    for suffix in ("", "-wal", "-shm"):
        local_files.remove(Path(str(state) + suffix), what="emulator state file",
                           fix=f"move {state}{suffix} away, then reset again")
    Store(state).close()
    print(f"emulator state reset: {state}")
    return 0
