"""Azurite (the Azure Storage emulator from npm), started for the lease tests.

Azurite listens for the blob service on a free loopback port, keeps nothing on disk
(its workspace is a temporary directory, removed afterwards) and is stopped after the tests. It is installed into ``.tools/``
by ``scripts/install-azurite.sh`` (idempotent; quick when already installed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Azurite's well-known development account: public, documented by Microsoft as the default
# (https://learn.microsoft.com/azure/storage/common/storage-use-azurite#http-connection-strings).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    """A running Azurite blob service."""

    port: int

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{AZURITE_ACCOUNT};"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Azurite did not listen on port {port} within {limit_s} s")


@pytest.fixture(autouse=True)
def loopback_without_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback servers (Azurite, the fake ingestion endpoint) are reached directly, never via a proxy."""
    for name in ("NO_PROXY", "no_proxy"):
        existing = [host for host in os.environ.get(name, "").split(",") if host]
        monkeypatch.setenv(name, ",".join([*existing, "127.0.0.1", "localhost"]))


@pytest.fixture(scope="session")
def azurite_bin() -> Path:
    """Path of the ``azurite-blob`` executable, installing it first when needed."""
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "install-azurite.sh")],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def azurite(azurite_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Azurite's blob service on a free loopback port for the whole session."""
    workspace = tmp_path_factory.mktemp("azurite")
    port = _free_port()
    process = subprocess.Popen(
        [
            str(azurite_bin),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            # Azurite refuses --inMemoryPersistence with --location: its workspace is a temp dir.
            "--location",
            str(workspace),
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
            "--disableTelemetry",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_listening(port, process)
        yield Azurite(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workspace, ignore_errors=True)


# The `reconcile run` process fixtures, shared by the tests/controller/test_run_*.py modules.
from tests.controller.controller_process import (  # noqa: E402,F401
    controllers,
    converged_dev,
    dev_state,
    portal,
)
