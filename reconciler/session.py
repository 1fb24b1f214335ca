"""Wiring one run together: settings, desired state, target, adapters, engine.

Shared by the one-shot CLI and the controller, so both take the same path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.registry import AdapterRegistry
from desired_state import DesiredState, build
from desired_state.settings import AppSecrets
from reconciler.engine import Engine
from reconciler.lro_tokens import FileLroTokenStore
from reconciler.safety import SafetyPolicy
from reconciler.target import EMULATOR_SUBSCRIPTION, Target, resolve_target


@dataclass
class Session:
    secrets: AppSecrets
    state: DesiredState
    target: Target
    engine: Engine


def owned_lister(target: Target) -> Any:
    """Lists a resource group's resources (id, type, tags) for pruning."""
    from azure.core.exceptions import ResourceNotFoundError

    def list_group(group: str) -> Iterable[tuple[str, str, Mapping[str, str] | None]]:
        client = target.clients.client("resource")
        try:
            for item in client.resources.list_by_resource_group(group):
                yield str(item.id), str(item.type), dict(item.tags or {})
        except ResourceNotFoundError:
            return

    return list_group


def open_session(
    environment: str,
    *,
    secrets: AppSecrets | None = None,
    safety: SafetyPolicy | None = None,
    emulator_state: str | None = None,
    emulator_url: str | None = None,
    faults: Any = None,
    apply_workers: int = 16,
    observe_workers: int = 64,
) -> Session:
    """Build the desired state first (bad input fails before any call), then
    the target and the engine."""
    secrets = secrets if secrets is not None else AppSecrets()
    state = build(environment, subscription_id=secrets.subscription_id or EMULATOR_SUBSCRIPTION, secrets=secrets)
    target = resolve_target(secrets, emulator_state=emulator_state, emulator_url=emulator_url, faults=faults)
    key = secrets.fingerprint_key.get_secret_value().encode() if secrets.fingerprint_key else target.subscription_id.encode()
    engine = Engine(
        state,
        AdapterRegistry(target.clients),
        target=target.kind,
        safety=safety,
        lro_tokens=FileLroTokenStore(target.work_dir / f"lro-tokens-{environment}.json"),
        fingerprint_key=key,
        list_owned=owned_lister(target),
        apply_workers=apply_workers,
        observe_workers=observe_workers,
    )
    return Session(secrets, state, target, engine)
