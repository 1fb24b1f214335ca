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


#: SQLite's and the OS's words for a state file that may be read but not written (SQLITE_READONLY:
#: "attempt to write a readonly database"; EACCES, EPERM, EROFS).
_NOT_WRITABLE = ("readonly", "read-only", "permission denied", "operation not permitted")


class EmulatorStateError(Exception):
    """The state file is corrupt or unreadable; says which file and how to fix it."""

    def __init__(self, path: Path | str, reason: str, *, advice: str | None = None) -> None:
        if advice is None:
            lowered = reason.lower()
            if "locked" in lowered or "busy" in lowered:
                # Never "reset" here: the file is fine, and a reset would wipe the estate.
                advice = ("another process is using it (a served emulator or another reconcile run); "
                          "wait for it to finish or stop it, then run again")
            elif any(word in lowered for word in _NOT_WRITABLE):
                # Nor here: the estate in it is intact, only the file (or its directory) refuses writes.
                advice = (f"the file is intact but cannot be written: make {path} (and its directory) writable, "
                          "or pass --emulator-state (or --state) a writable copy")
            else:
                advice = (f"restore it from a copy, or recreate it (the emulated estate is lost) with: "
                          f"reconcile emulator reset --state {path}")
        super().__init__(f"emulator state file {path} is unusable ({reason}); {advice}")
        self.path = Path(path)


class ConnectionDropped(ConnectionError):
    """Injected fault: the connection is dropped before any response."""


class RequestTimedOut(TimeoutError):
    """Injected fault: the request hung longer than the caller's timeout."""
