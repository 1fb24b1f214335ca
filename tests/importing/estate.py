"""Emulator states the import tests start from, made once per test session and copied per test:
`staging` applied (the session's shared estate, tests/estates.py), then the hand-made group
(tests/importing/handmade.py) created over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from desired_state import DesiredState
from emulator import Emulator
from emulator.api_versions import KNOWN_API_VERSIONS
from reconciler.engine.live_names import is_templated, resolve_id
from tests.cli.cli_process import environment
from tests.estates import AppliedEstate, copy_state
from tests.importing import handmade


def reconcile(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a fresh process in `home`, throttling off, a clean environment."""
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *argv], cwd=home, env=environment(home, **env),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False,
    )


def with_handmade_group(staging: AppliedEstate, home: Path) -> Path:
    """`staging` applied (a copy of the session's), then the hand-made group created through
    `reconcile emulator serve`."""
    assert staging.exit_code == 0, staging.output[-2000:]
    state = staging.copy(home / "emulator.db")
    with handmade.served(state, home, environment(home)) as url:
        handmade.create(url)
    return state


def copy_of(state: Path, home: Path) -> Path:
    """A copy of a state file (its write-ahead log included) in `home`."""
    home.mkdir(parents=True, exist_ok=True)
    return copy_state(state, home / "emulator.db")


def api_version(arm_type: str) -> str:
    """The newest stable api-version ARM publishes for a type (the emulator serves every one)."""
    versions = sorted(KNOWN_API_VERSIONS[arm_type.lower()])
    return ([v for v in versions if "preview" not in v] or versions)[-1]


def read(state: Path, resource_id: str, arm_type: str) -> dict[str, Any] | None:
    """A live body as ARM answers a GET, or None."""
    emulator = Emulator(state)
    try:
        answer = emulator.handle("GET", f"https://management.azure.com{resource_id}?api-version={api_version(arm_type)}",
                                 {}, b"")
    finally:
        emulator.close()
    return dict(answer.json()) if answer.status == 200 else None


def settled_ids(state: Path, desired: DesiredState) -> list[tuple[str, str]]:
    """(id, type) of each desired resource, a name Azure generated read from the live body it comes from."""
    live = {r.address: read(state, r.id, r.type) for r in desired.resources if not is_templated(r)}
    return [(resolve_id(r.id, live, strict=True) if is_templated(r) else r.id, r.type) for r in desired.resources]


def strip_ownership_tags(state: Path, resources: list[tuple[str, str]]) -> int:
    """Take this tool's ownership tags off each (id, type) that has them, as `az tag update --operation
    Delete` would (a PATCH of the tags): the same estate, as if another tool had made it."""
    emulator = Emulator(state)
    stripped = 0
    try:
        for resource_id, arm_type in resources:
            url = f"https://management.azure.com{resource_id}?api-version={api_version(arm_type)}"
            got = emulator.handle("GET", url, {}, b"")
            tags = got.json().get("tags") if got.status == 200 else None
            if not isinstance(tags, dict) or "managed-by" not in tags:
                continue
            kept = {k: v for k, v in tags.items() if k not in ("managed-by", "reconciler-environment")}
            answer = emulator.handle("PATCH", url, {"Content-Type": "application/json"}, json.dumps({"tags": kept}).encode())
            assert answer.status in (200, 202), (resource_id, answer.status, answer.body[:300])
            stripped += 1
    finally:
        emulator.close()
    return stripped
