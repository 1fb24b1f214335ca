"""A local Azure Resource Manager: the reconciler's embedded default target.

Public surface: :class:`Emulator` (``handle(method, url, headers, body)``),
:class:`EmulatorTransport` (azure-core transport for the real SDK clients),
:func:`serve` (HTTP on 127.0.0.1), :class:`FaultConfig`, the request log
readers, :func:`default_state_path` and :func:`state_path` (the state file a
command was given, its directory checked). Imports nothing of the project.
"""

from emulator.core import Emulator
from emulator.errors import ArmError, ConnectionDropped, EmulatorStateError, RequestTimedOut
from emulator.exchange import EmulatorResponse
from emulator.faults import FaultConfig
from emulator.request_log import RequestRecord, clear_request_log, read_request_log
from emulator.store import default_state_path, state_path

__all__ = [
    "ArmError",
    "ConnectionDropped",
    "Emulator",
    "EmulatorResponse",
    "EmulatorStateError",
    "FaultConfig",
    "RequestRecord",
    "RequestTimedOut",
    "clear_request_log",
    "default_state_path",
    "read_request_log",
    "state_path",
]
