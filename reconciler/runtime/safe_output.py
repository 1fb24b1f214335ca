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
- Colour: the one escape sequence written is our own SGR around an already
  cleaned line (`write_styled`, used by `reconciler.cli.colour` for the plan).
- A reader that went away (`reconcile --yes | head -c 10`) does not stop the
  run: later writes are dropped, `broken` is set, and the CLI exits non-zero
  at the end, so a closed stdout never reads as success.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import Any, TextIO

from pydantic import SecretStr

from reconciler.runtime.logs import redact, register_secret

#: Our own SGR parameters: digits and semicolons only (`write_styled`).
_SGR_PARAMETERS = re.compile(r"[0-9]+(;[0-9]+)*")

# C0 except \t and \n; DEL; C1. \r is escaped too: it rewrites the line already shown. Also
# the line and paragraph separators, the bidirectional overrides and isolates (they reorder
# what is shown), and unpaired surrogates (no encoding can write them: one in a caller's name
# used to drop the whole plan).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: The same and newline and tab: what may not appear inside one line.
_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character but newline and tab written as `\\u00XX`."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` that cannot start a new line: newlines and tabs escaped too (`\\u000a`)."""
    return _IN_A_LINE.sub(_escape, text)


def remote_text(value: object) -> str:
    """A string from outside (a caller's name, an ARM error message, a client type), made safe
    where it enters: one line, every control character escaped, nothing that breaks an encoding.
    Printed or saved (a plan file, history), it can never start a plan line of its own."""
    return one_line(str(value))


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
        # A character the stream's encoding lacks (an ASCII locale) is written escaped, never an error.
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")

    def _emit(self, cleaned: str) -> None:
        if self.broken:
            return
        try:
            self.stream.write(cleaned)
        except (BrokenPipeError, ValueError, OSError):
            # ValueError: "I/O operation on closed file".
            self.broken = True

    def write(self, text: str) -> int:
        self._emit(clean(text))
        return len(text)

    def write_line(self, text: str) -> int:
        """One line of output: `text` cleaned with its own newlines escaped, then a newline.
        Every line a command composes from remote values (a plan line, an error line) is
        written this way, so no value can add a line of its own ("No changes. ...")."""
        self._emit(one_line(redact(text)) + "\n")
        return len(text) + 1

    def write_styled(self, text: str, sgr: str) -> int:
        """`text` cleaned as `write` cleans it, between our own SGR sequence
        `ESC [ sgr m` and a reset: the only escape sequence this funnel emits,
        and never built from the text it wraps (reconciler/cli/colour.py)."""
        if not _SGR_PARAMETERS.fullmatch(sgr):
            raise ValueError(f"SGR parameters {sgr!r}: digits separated by ';' only")
        if self.broken:
            return len(text)
        try:
            self.stream.write(f"\x1b[{sgr}m{one_line(redact(text))}\x1b[0m")
        except (BrokenPipeError, ValueError, OSError):
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
