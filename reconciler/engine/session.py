"""Wiring one run together: settings, desired state, target, adapters, engine.

Shared by the one-shot CLI and the controller, so both take the same path.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from adapters.registry import AdapterRegistry
from desired_state import DesiredState, build
from desired_state.errors import DesiredStateError
from desired_state.layer_file import load as load_layer_file
from desired_state.settings import AppSecrets
from desired_state.tags import ENVIRONMENT_TAG
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION, Target, resolve_target
from reconciler.engine.attribution import Attributor
from reconciler.engine.convergence import FileConvergenceStore
from reconciler.engine.engine import Engine
from reconciler.engine.graph_observe import DEFAULT_RESYNC_S, GraphObserver, choose_mode
from reconciler.engine.lro_tokens import FileLroTokenStore
from reconciler.engine.resource_observe import READ_WORKERS
from reconciler.engine.safety import SafetyPolicy
from reconciler.engine.write_log import WriteLog
from reconciler.runtime.safe_output import register_secrets
from reconciler.runtime.suggest import did_you_mean


@dataclass
class Session:
    secrets: AppSecrets
    state: DesiredState
    target: Target
    engine: Engine


def owned_lister(registry: AdapterRegistry, environment: str) -> Any:
    """Lists a resource group's resources tagged for this environment (id,
    type, tags), for pruning; a group that does not exist lists nothing."""

    def list_group(group: str) -> Iterable[tuple[str, str, Mapping[str, str] | None]]:
        return [(item.id, item.type, item.tags) for item in registry.list_resources(group, {ENVIRONMENT_TAG: environment})]

    return list_group


def adopted(patterns: Iterable[str], known: Collection[str], environment: str) -> frozenset[str]:
    """The addresses `--adopt` names: each pattern an address, or a glob over addresses
    (`'imported.*'`, fnmatch's `*`, `?` and `[...]`) matching at least one."""
    found: set[str] = set()
    for pattern in sorted(patterns):
        matched = fnmatch.filter(known, pattern) if any(c in pattern for c in "*?[") else [pattern] if pattern in known else []
        if not matched:
            raise DesiredStateError(
                f"--adopt {pattern}: no such address in {environment}{did_you_mean(pattern, known)} "
                f"(see `reconcile show --env {environment}`)"
            )
        found.update(matched)
    return frozenset(found)


def open_session(
    environment: str,
    *,
    secrets: AppSecrets | None = None,
    safety: SafetyPolicy | None = None,
    emulator_state: str | None = None,
    emulator_url: str | None = None,
    faults: Any = None,
    apply_workers: int = 16,
    observe_workers: int = READ_WORKERS,
    targets: Iterable[str] = (),
    observe: str = "auto",
    resync_s: float = DEFAULT_RESYNC_S,
    layer_files: Iterable[str] = (),
) -> Session:
    """Build the desired state first (bad input fails before any call), then
    the target and the engine. `targets` (`--target-resource`) and the
    adopted addresses of `safety` are checked against the desired state
    before the target is opened, so a typo writes nothing. `observe` is the observe mode
    (`reconciler.engine.graph_observe`: per-resource, graph, or auto by the estate's size); `resync_s`
    how often graph mode relists everything between change-feed cycles. `layer_files` (`--layer-file`)
    add their layers to the environment for this run (desired_state/layer_file.py); `--adopt` takes
    addresses or globs over them."""
    choose_mode(observe, 0)  # a bad mode fails before anything is built
    secrets = secrets if secrets is not None else AppSecrets()
    # Before anything can fail or print: every secret we hold is masked in
    # every output (plan, errors, logs, telemetry), one-shot and controller alike.
    # Only the SecretStr fields: ids (subscription, tenant, client) are not secrets, and masking
    # them would hide which subscription an error is about.
    register_secrets(
        value for name in type(secrets).model_fields if isinstance(value := getattr(secrets, name, None), SecretStr)
    )
    state = build(
        environment, subscription_id=secrets.subscription_id or EMULATOR_SUBSCRIPTION, secrets=secrets,
        layer_files=[load_layer_file(path) for path in layer_files],
    )
    register_secrets(value for r in state.resources for value in r.secrets.values())
    known = {r.address for r in state.resources}
    if safety is not None and safety.adopt:
        safety = replace(safety, adopt=adopted(safety.adopt, known, environment))
    for address in sorted(targets):
        if address not in known:
            raise DesiredStateError(
                f"--target-resource {address}: no such address in {environment}{did_you_mean(address, known)} "
                f"(see `reconcile show --env {environment}`)"
            )
    target = resolve_target(secrets, emulator_state=emulator_state, emulator_url=emulator_url, faults=faults)
    key = secrets.fingerprint_key.get_secret_value().encode() if secrets.fingerprint_key else target.subscription_id.encode()
    registry = AdapterRegistry(target.clients)
    engine = Engine(
        state,
        registry,
        target=target.kind,
        safety=safety,
        lro_tokens=FileLroTokenStore(target.work_dir / f"lro-tokens-{environment}.json"),
        convergence=FileConvergenceStore(target.work_dir / f"not-convergent-{environment}.json"),
        fingerprint_key=key,
        list_owned=owned_lister(registry, environment),
        list_children=registry.list_children,
        apply_workers=apply_workers,
        observe_workers=observe_workers,
        attributor=Attributor(target.clients, target.subscription_id),
    )
    if choose_mode(observe, len(state.resources)) == "graph":
        engine.observer = GraphObserver(
            engine, target.clients, resync_s=resync_s,
            write_log=WriteLog(target.work_dir / f"graph-writes-{environment}.json"),
        )
    return Session(secrets, state, target, engine)
