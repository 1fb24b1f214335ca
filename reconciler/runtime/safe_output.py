"""The one funnel every byte of text output goes through: secrets masked,
control characters escaped, a closed reader remembered rather than fatal.

`reconcile` wraps its stdout and stderr in `SafeStream` before any command
runs, so the plan (text and JSON), error lines, progress, log records (the log
handler writes to the wrapped stderr) and the controller's banner all take this
path; telemetry masks through the same secret registry (`reconciler.runtime.logs`).

- Secrets: every value registered with `reconciler.runtime.logs.register_secret`
  (the settings' `SecretStr` values and the resources' write-only secrets,
  registered by `register_secrets` when a session opens) becomes `***`.
- Control characters: C0 (but newline and tab), DEL and C1 are written as
  `\\u00XX`, so ESC/BEL sequences from Azure (an error message, a tag value,
  a resource name) cannot drive the terminal. The same spelling is a valid
  JSON string escape, so JSON output stays JSON (json.dumps already escapes
  C0; C1 only reaches us raw with `ensure_ascii=False`).
- A reader that went away (`reconcile --yes | head -c 10`) does not stop the
  run: later writes are dropped, `broken` is set, and the CLI exits non-zero
  at the end, so a closed stdout never reads as success.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TextIO

from pydantic import SecretStr

from reconciler.runtime.logs import redact, register_secret

# C0 except \t and \n; DEL; C1. \r is escaped too: it rewrites the line already shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """`text` with every control character but newline and tab written as `\\u00XX`."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean(text: str) -> str:
    """What may be printed: registered secrets masked, control characters escaped."""
    return escape_controls(redact(text))


def register_secrets(values: Iterable[SecretStr | str | None]) -> None:
    """Register secret values (SecretStr or plain) for masking in every output."""
    for value in values:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value:
            register_secret(value)


class SafeStream:
    """A text stream that writes `clean(text)` and survives a closed reader."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if self.broken:
            return len(text)
        try:
            self.stream.write(clean(text))
        except (BrokenPipeError, ValueError, OSError):
            # ValueError: "I/O operation on closed file".
            self.broken = True
        return len(text)

    def flush(self) -> None:
        if self.broken:
            return
        try:
            self.stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            self.broken = True

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (ValueError, OSError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
