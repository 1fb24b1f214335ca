"""Collect everything a full set of runs emits (stdout, stderr, JSON logs, plan
JSON, telemetry posted to a fake ingestion endpoint, files left in the work
directory, failure messages) and look for every secret value in it."""

from __future__ import annotations

import base64
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.controller.ingestion import IngestionServer
from tests.reliability.bad_inputs import clean_environment


@dataclass
class Collected:
    """Every byte the runs produced, by where it came from."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)

    def add(self, where: str, data: bytes) -> None:
        self.outputs[where] = self.outputs.get(where, b"") + data

    def leaks(self, secrets: dict[str, str]) -> list[str]:
        """`where: secret name` for every secret found (plain or base64)."""
        found = []
        for name, value in secrets.items():
            forms = {value.encode(), base64.b64encode(value.encode())}
            for where, data in self.outputs.items():
                if any(form in data for form in forms):
                    found.append(f"{where}: {name}")
        return sorted(found)


def secret_values(ingestion_port: int) -> dict[str, str]:
    """Fresh, unmistakable secret values (the App Insights string points at the fake endpoint)."""
    tag = uuid.uuid4().hex
    return {
        "THIRDPARTY_API_KEY": f"3rdP4rty-{tag}",
        "AZURE_CLIENT_SECRET": f"client-secret-{tag}",
        "APIM_BASIC_AUTH_HEADER": f"Basic {base64.b64encode(f'user:{tag}'.encode()).decode()}",
        "RECONCILER_FINGERPRINT_KEY": f"fingerprint-key-{tag}",
        "RECONCILER_LEASE_CONNECTION_STRING": (
            "DefaultEndpointsProtocol=https;AccountName=leases;"
            f"AccountKey={base64.b64encode(tag.encode() * 2).decode()};EndpointSuffix=core.windows.net"
        ),
        "APPLICATIONINSIGHTS_CONNECTION_STRING": (
            f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint=http://127.0.0.1:{ingestion_port}/;"
            f"ApplicationId={tag}"
        ),
    }


#: (label, argv, extra environment): a plan as JSON, a failing apply (the SQL
#: server's LRO fails, so its error message is printed), a good apply, a
#: controller cycle with telemetry, a plan after the password changed.
def _runs(state: str) -> list[tuple[str, list[str], dict[str, str]]]:
    debug = ["--log-level", "DEBUG", "--log-format", "json"]
    return [
        ("plan-json", ["--dry-run", "--env", "dev", "--emulator-state", state, "--output", "json", *debug], {}),
        ("failing-apply", ["--yes", "--env", "dev", "--emulator-state", state, *debug],
         {"RECONCILER_EMULATOR_LRO_FAIL_NAMES": "sql-*"}),
        ("apply", ["--yes", "--env", "dev", "--emulator-state", state, *debug], {}),
        ("controller", ["run", "--once", "--env", "dev", "--emulator-state", state, "--health-port", "-1",
                        "--interval", "1m", *debug], {}),
        ("password-rotated-plan", ["--dry-run", "--env", "dev", "--emulator-state", state, *debug],
         {"THIRDPARTY_API_KEY": "rotated"}),
        # On an empty state of its own, so that failing LROs (the vault, SQL) are written while the
        # rotated key is set (the key itself is a synchronous write that cannot fail an LRO).
        ("failing-apply-text", ["--yes", "--env", "dev", "--emulator-state", f"{state}-text", "--log-format", "text",
                                "--log-level", "DEBUG"], {"RECONCILER_EMULATOR_LRO_FAIL_NAMES": "kv-*,sql-*",
                                                           "THIRDPARTY_API_KEY": "rotated"}),
    ]


def collect(workdir: Path) -> tuple[Collected, dict[str, str]]:
    """Run the whole set in `workdir`; returns what was emitted and the secrets used."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "tmp").mkdir(exist_ok=True)
    collected = Collected()
    state = str(workdir / "emulator.db")
    with IngestionServer() as ingestion:
        secrets = secret_values(ingestion.port)
        base = {
            **secrets,
            "AZURE_CLIENT_ID": "00000000-1111-2222-3333-444444444444",
            "AZURE_TENANT_ID": "00000000-5555-6666-7777-888888888888",
            "RECONCILER_EMULATOR_THROTTLE": "0",
            "TMPDIR": str(workdir / "tmp"),
        }
        for label, argv, extra in _runs(state):
            env = clean_environment(workdir, tuple({**base, **extra}.items()))
            proc = subprocess.run(
                [sys.executable, "-m", "reconciler.cli", *argv], cwd=workdir, env=env,
                stdin=subprocess.DEVNULL, capture_output=True, timeout=300, check=False,
            )
            collected.codes[label] = proc.returncode
            collected.add(f"{label}/stdout", proc.stdout)
            collected.add(f"{label}/stderr", proc.stderr)
        for body in ingestion.raw_bodies:
            collected.add("telemetry", body)
        collected.add("telemetry-count", str(len(ingestion.envelopes)).encode())
    for path in sorted(workdir.rglob("*")):
        if path.is_file() and not path.name.startswith("emulator.db"):
            collected.add(f"file:{path.relative_to(workdir)}", path.read_bytes())
    return collected, secrets
