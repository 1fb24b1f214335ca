"""Which ARM the run talks to: Azure, or the local emulator (the default
when no subscription is configured).

The one module of the reconciler that knows the emulator (an import-linter contract in
pyproject.toml): the CLI reaches the emulator's own commands and errors through it too."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from desired_state.errors import ReconcilerError
from desired_state.settings import AppSecrets
from reconciler.runtime.safe_output import one_line

if TYPE_CHECKING:
    from adapters.clients import ClientFactory

EMULATOR_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


class TargetError(ReconcilerError, ValueError):
    """The target cannot be used as configured (one line: what and the fix)."""

    outcome = "validation"


@dataclass
class Target:
    kind: Literal["emulator", "azure"]
    subscription_id: str
    clients: ClientFactory
    banner: str
    #: Where per-target local files live (LRO tokens, file lease).
    work_dir: Path
    emulator: Any = None
    state_path: Path | None = None


def _has_azure_credentials(secrets: AppSecrets) -> bool:
    if secrets.client_id and secrets.client_secret and secrets.tenant_id:
        return True
    env = os.environ
    return bool(
        env.get("AZURE_FEDERATED_TOKEN_FILE")
        or env.get("IDENTITY_ENDPOINT")
        or env.get("MSI_ENDPOINT")
        or env.get("AZURE_CLIENT_CERTIFICATE_PATH")
        or shutil.which("az")
    )


def resolve_target(
    secrets: AppSecrets,
    *,
    emulator_state: str | None = None,
    emulator_url: str | None = None,
    faults: Any = None,
) -> Target:
    """Azure when a subscription is configured (and no emulator option given),
    else the embedded emulator on its state file. The clients' variables are checked first: every
    command opens its target here, so a bad one is refused before a state file is created."""
    from adapters.clients import ClientFactory
    from reconciler.runtime.inputs import check_client_variables

    check_client_variables()

    if secrets.subscription_id and not emulator_state and not emulator_url:
        if not _has_azure_credentials(secrets):
            raise TargetError(
                "AZURE_SUBSCRIPTION_ID is set but no Azure credentials were found: set "
                "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or ARM_*), use a managed "
                "or workload identity, or `az login`; unset the subscription to use the local emulator"
            )
        sub = secrets.subscription_id
        return Target(
            kind="azure",
            subscription_id=sub,
            clients=ClientFactory.for_azure(sub),
            banner=f"Target: Azure subscription {sub}",
            work_dir=Path(os.environ.get("RECONCILER_WORK_DIR", ".reconciler")),
        )
    sub = secrets.subscription_id or EMULATOR_SUBSCRIPTION
    if emulator_url:
        parts = urlsplit(emulator_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetError(
                f"--emulator-url {emulator_url!r}: not an http(s) URL; use e.g. http://127.0.0.1:8443 "
                "(see `reconcile emulator serve`)"
            )
        return Target(
            kind="emulator",
            subscription_id=sub,
            clients=ClientFactory.for_endpoint(sub, emulator_url),
            banner=f"Target: local ARM emulator at {emulator_url} (no Azure subscription configured)",
            work_dir=Path(os.environ.get("RECONCILER_WORK_DIR", ".reconciler")),
        )
    from emulator import Emulator, state_path
    from emulator.faults import FaultConfig
    from emulator.transport import EmulatorTransport

    path = state_path(emulator_state, "--emulator-state")
    emu = Emulator(path, faults=faults if faults is not None else FaultConfig.from_env())
    shown = one_line(str(path))  # a path holding a newline cannot start a banner line of its own
    banner = f"Target: local ARM emulator (embedded), state file {shown} (no Azure subscription configured)"
    if emu.new_state:
        banner += f"\nnew, empty emulator state at {shown}"
    return Target(
        kind="emulator",
        subscription_id=sub,
        clients=ClientFactory.for_transport(sub, EmulatorTransport(emu)),
        banner=banner,
        work_dir=path.parent,
        emulator=emu,
        state_path=path,
    )


def register_emulator_commands(subparsers: Any) -> None:
    """`reconcile emulator serve|reset`: the emulator's own command line."""
    from emulator.cli import register

    register(subparsers)


def state_file_errors() -> tuple[type[BaseException], ...]:
    """Errors of a target's state file that are the user's to fix (one line each, no traceback)."""
    from emulator.errors import EmulatorStateError

    return (EmulatorStateError,)
