"""``reconcile emulator serve`` as a separate process, counted through the shared request log."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from emulator import read_request_log

from .conftest import SUB

REPO = Path(__file__).resolve().parents[2]


def test_serve_command_answers_on_loopback_and_logs_to_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "cli.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--state", str(state), "--port", "0", "--seed", "4", "--no-throttle"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        base_url = banner.rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(
            f"{base_url}/subscriptions/{SUB}/resourceGroups/rg1?api-version=2025-04-01",
            data=b'{"location": "westus2"}',
            method="PUT",
            headers={"Authorization": "Bearer anything", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201
            assert json.loads(answer.read())["name"] == "rg1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert [(r.method, r.status) for r in read_request_log(state)] == [("PUT", 201)]
