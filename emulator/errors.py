"""Errors of the emulator: ARM error answers and an unusable state file."""

from __future__ import annotations

from pathlib import Path


class ArmError(Exception):
    """An ARM error answer: HTTP status plus the ``{"error": {...}}`` body fields."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}


class EmulatorStateError(Exception):
    """The state file is corrupt or unreadable; says which file and how to fix it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(
            f"emulator state file {path} is unusable ({reason}); "
            f"recreate it with: reconcile emulator reset --state {path}"
        )
        self.path = Path(path)


class ConnectionDropped(ConnectionError):
    """Injected fault: the connection is dropped before any response."""


class RequestTimedOut(TimeoutError):
    """Injected fault: the request hung longer than the caller's timeout."""
