"""Run the real `reconcile` CLI in a fresh process: on a pipe, or with stdout
on a pseudo-terminal (what a person's shell gives it)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from tests.reliability.bad_inputs import clean_environment


def environment(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment (no NO_COLOR, no Azure settings from the caller), throttling off."""
    return clean_environment(home, (("RECONCILER_EMULATOR_THROTTLE", "0"), *extra.items()))


def on_pipe(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *argv], cwd=home, env=environment(home, **env),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False,
    )


def on_terminal(home: Path, *argv: str, **env: str) -> tuple[int, str]:
    """Exit code and what the process wrote to its stdout, a pty."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", *argv], cwd=home, env=environment(home, **env),
        stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.DEVNULL,
    )
    os.close(terminal)
    chunks: list[bytes] = []

    def drain() -> None:  # a pty holds a few KiB: read while the process writes
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO once the process closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    code = proc.wait(timeout=300)
    reader.join(timeout=30)
    os.close(controller)
    # The pty's line discipline turns "\n" into "\r\n"; compare text as written.
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
