"""Checks of command-line options and environment variables shared by `reconcile`
and `reconcile run`, made before anything is opened or sent.

Each failure is a `UsageError`-style `ValueError` of one line naming the option
or variable and the fix (the CLI prints it as `reconcile: error: ...`, exit 1).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from desired_state.errors import ReconcilerError


class InputError(ReconcilerError, ValueError):
    """A bad option or variable: one line naming it and the fix."""

    outcome = "validation"


def port_option(raw: str, option: str, *, allow_disabled: bool = False) -> int:
    """A TCP port (0 picks a free one; -1 disables when allowed), from an option or variable."""
    low = -1 if allow_disabled else 0
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= 65535:
        extra = "; -1 disables" if allow_disabled else ""
        raise InputError(f"{option} {raw!r}: not a TCP port; use 0-65535 (0 picks a free one{extra})")
    return value


#: An ARM resource type: `Namespace/type[/child...]` (ARM RPC, "Resource type names").
ARM_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9.]*(/[A-Za-z][A-Za-z0-9-]*)+$")


def check_arm_type(value: str, option: str) -> str:
    """An option naming an ARM type (`compare --type`, `import --generic`): refused unless it is one."""
    if not ARM_TYPE.match(value):
        raise InputError(f"{option} {value!r} is not an ARM type; pass Namespace/type, e.g. Microsoft.Network/routeTables")
    return value


#: The apply's "still ..." line interval (seconds; reconciler/cli/apply_progress.py).
PROGRESS_INTERVAL = "RECONCILER_PROGRESS_INTERVAL"
DEFAULT_PROGRESS_INTERVAL = 30.0


def progress_interval(environ: Mapping[str, str] | None = None) -> float:
    """The "still ..." interval: `RECONCILER_PROGRESS_INTERVAL`, else 30 s."""
    raw = (os.environ if environ is None else environ).get(PROGRESS_INTERVAL, "").strip()
    if not raw:
        return DEFAULT_PROGRESS_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError(f"{PROGRESS_INTERVAL}={raw!r}: must be a positive number of seconds, e.g. 30")
    return value


def check_client_variables() -> None:
    """The variables a run reads (the clients' wait budgets and ``RECONCILER_MAX_PAGES``, the apply's
    progress interval), checked before the target opens: a bad value is refused before a state file
    is created, a request sent or a history event recorded, by the same parsers their users call
    (adapters/wait_budget.py, adapters/paging.py, `progress_interval`)."""
    from adapters.paging import max_pages
    from adapters.wait_budget import WaitBudget

    try:
        WaitBudget.from_env()
        max_pages()
        progress_interval()
    except ValueError as error:
        raise InputError(str(error)) from None


def check_target_options(args: argparse.Namespace) -> None:
    """--emulator-state and --emulator-url: present means usable."""
    state = getattr(args, "emulator_state", None)
    url = getattr(args, "emulator_url", None)
    if state is not None and not state.strip():
        raise InputError(
            "--emulator-state '': an empty path; pass a state file, e.g. --emulator-state .reconciler/emulator.db, "
            "or leave the option out for the default"
        )
    if url is None:
        return
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise InputError(
            f"--emulator-url {url!r}: the port is not a TCP port (0-65535); use e.g. http://127.0.0.1:8443"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise InputError(
            f"--emulator-url {url!r}: not an http(s) URL with a host and port; use e.g. http://127.0.0.1:8443 "
            "(see `reconcile emulator serve`)"
        )
