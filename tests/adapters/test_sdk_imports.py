"""The SDKs' lazy imports are safe from the apply's worker threads.

Reads no longer import per-service SDKs, so a multi-API client's operations
module and its models are first imported by concurrent writes. Without one lock
around those imports CPython hands a thread a partially initialised module
(seen in a full run: every role assignment of a controller's first cycle failed
with "cannot import name 'DenyAssignmentsOperations' from partially initialized
module"). This starts the same race in a fresh interpreter through our own
adapter code, several times.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

RACE = """
import threading
from adapters.bodies import resolve_model
from adapters.clients import ClientFactory
from adapters.registry import AdapterRegistry

registry = AdapterRegistry(ClientFactory.for_endpoint("00000000-0000-0000-0000-000000000000", "http://127.0.0.1:9"))
adapter = registry.for_type("Microsoft.Authorization/roleAssignments")
adapter.clients.client(adapter.entry.service)  # the client itself is built before the race, as in apply
start = threading.Barrier(12)
errors = []

def operations():
    start.wait()
    try:
        adapter._operations()
    except Exception as exc:
        errors.append(repr(exc))

def model():
    start.wait()
    try:
        resolve_model(adapter.entry.model)
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=operations) for _ in range(6)] + [threading.Thread(target=model) for _ in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors), errors[:1])
"""


def test_concurrent_first_use_of_a_multi_api_client_and_its_models_imports_cleanly() -> None:
    for _ in range(3):
        result = subprocess.run([sys.executable, "-c", RACE], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == "0 []", result.stdout
