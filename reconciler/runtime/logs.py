"""Structured logging: one JSON object a line in a container, readable text on a terminal.

A redaction filter masks every registered secret value in messages, structured fields and
tracebacks as the last line of defence; the first line is never logging a value at all.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from pythonjsonlogger.json import JsonFormatter as _JsonLineFormatter

LogFormat = Literal["json", "text", "auto"]

MASK = "***"
# Shorter values would mask ordinary words in every message and protect nothing.
_MIN_SECRET_LENGTH = 4

_secrets: set[str] = set()
_secrets_lock = threading.Lock()

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}

# Loggers that log each HTTP request at INFO; their lines drown the controller's own.
_CHATTY_LOGGERS = (
    "azure.core.pipeline.policies.http_logging_policy",
    "azure.identity",
    "azure.monitor.opentelemetry.exporter",
    "apscheduler",
)


def register_secret(value: str) -> None:
    """Remember a secret value so that it is masked wherever it would reach a log line."""
    if len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (for tests)."""
    with _secrets_lock:
        _secrets.clear()


def redact(text: str) -> str:
    """Return ``text`` with every registered secret value replaced by ``***``."""
    with _secrets_lock:
        # Longest first so a secret containing another is masked whole.
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_value(value: Any) -> Any:
    """Redact strings inside ``value``, recursing through mappings, lists and tuples."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(k)): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


def structured_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller attached to ``record`` through ``extra=``."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES and not k.startswith("_")}


class RedactionFilter(logging.Filter):
    """Masks registered secrets in the message, the ``extra=`` fields and the traceback of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for key, value in structured_fields(record).items():
            setattr(record, key, redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: Our packages: their records may carry a traceback (at the level the user chose); any other
#: library's record carries one line (a third-party traceback is never printed, whatever logged it).
_OURS = ("reconciler", "adapters", "emulator", "desired_state", "local_files", "tools", "bench", "tests")
#: What the SDKs log (with a traceback) when an answer's body is not the JSON they expected, before
#: raising the error the caller reports with the answer's status: the same event, said twice.
_SDK_NOISE = ("Ran into a deserialization error. Ignoring since this is failsafe deserialization",)


class LibraryRecordFilter(logging.Filter):
    """Records of other libraries (the Azure SDKs, urllib3, ...) as one line: a traceback they attach
    becomes ``(ExceptionType: message)`` after their message, and the SDKs' "failsafe
    deserialization" notice (followed by the error that names the answer) is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in _OURS:
            return True
        if record.levelno < logging.ERROR and record.getMessage().startswith(_SDK_NOISE):
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        if record.exc_info or record.exc_text or record.stack_info:
            error = record.exc_info[1] if record.exc_info else None
            summary = f" ({type(error).__name__}: {error})" if error is not None else ""
            record.msg, record.args = record.getMessage() + summary, None
            record.exc_info = record.exc_text = record.stack_info = None
        return True


class JsonFormatter(_JsonLineFormatter):
    """One JSON object a line (python-json-logger): time, level, logger, message, then the
    structured ``extra=`` fields, ``exception`` and ``stack`` when present."""

    def __init__(self) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            json_default=str,
            json_ensure_ascii=False,
        )

    def formatException(self, ei: Any) -> str:
        # The library formats the traceback afresh rather than using the filter's redacted exc_text.
        formatted = super().formatException(ei)
        return redact(formatted if isinstance(formatted, str) else "\n".join(formatted))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # ISO 8601 in UTC with milliseconds, whatever the container's timezone.
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal: time, level, logger, message, then ``key=value`` fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        head, sep, rest = line.partition("\n")
        if record.exc_info is None and record.exc_text is None and record.stack_info is None:
            # One record, one line: a message quoting remote text cannot forge another record.
            head, sep, rest = _one_line(line), "", ""
        fields = structured_fields(record)
        if not fields:
            return f"{head}{sep}{rest}"
        suffix = " ".join(f"{k}={_one_line(str(v))}" for k, v in fields.items())
        return f"{head}  [{suffix}]{sep}{rest}"


class _ControllerHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so reconfiguring replaces it instead of adding one."""


def configure_logging(
    format: LogFormat = "auto", level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) as JSON lines or readable text.

    ``auto`` picks text on a terminal and JSON otherwise (a container, a pipe, CI).
    Calling it again replaces the handler it installed before. Returns the handler.
    """
    if isinstance(level, str) and not isinstance(logging.getLevelName(level.upper()), int):
        raise ValueError(f"--log-level {level!r}: unknown level; use DEBUG, INFO, WARNING or ERROR")
    target = stream if stream is not None else sys.stderr
    if format == "auto":
        format = "text" if target.isatty() else "json"
    handler = _ControllerHandler(target)
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    # On the handler, not a logger: logger filters do not see records propagated from children.
    handler.addFilter(LibraryRecordFilter())  # before redaction: the one line it makes is masked too
    handler.addFilter(RedactionFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ControllerHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # "Connection pool is full, discarding connection": the SDK clients' requests pool (10) is smaller
    # than the read concurrency, so a kept-alive connection is closed instead of reused; nothing
    # fails, and dozens of these lines would bury the one line that says what did.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    return handler
