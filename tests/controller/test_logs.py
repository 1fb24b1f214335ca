"""Structured logs: one JSON object a line, readable text on a terminal, secrets masked everywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from reconciler.runtime.logs import configure_logging, forget_secrets, register_secret

SECRET = "p@ssw0rd-of-the-sql-admin"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    forget_secrets()
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_format_is_one_object_a_line_with_the_structured_fields() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)

    logging.getLogger("reconciler.apply").info(
        "updated %s",
        "networking.vnet",
        extra={"address": "networking.vnet", "phase": "apply", "environment": "dev"},
    )

    [entry] = json_lines(stream)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "reconciler.apply"
    assert entry["message"] == "updated networking.vnet"
    assert (entry["address"], entry["phase"], entry["environment"]) == ("networking.vnet", "apply", "dev")
    assert str(entry["time"]).endswith("+00:00")


def test_auto_format_is_json_off_a_terminal_and_text_on_one() -> None:
    pipe, terminal = io.StringIO(), Terminal()
    configure_logging("auto", stream=pipe)
    logging.getLogger("reconciler").info("to a pipe")
    configure_logging("auto", stream=terminal)
    logging.getLogger("reconciler").info("to a terminal", extra={"phase": "observe"})

    assert json_lines(pipe)[0]["message"] == "to a pipe"
    line = terminal.getvalue().strip()
    assert "INFO" in line and "reconciler: to a terminal" in line and "phase=observe" in line
    assert not line.startswith("{")


def test_reconfiguring_replaces_the_handler_instead_of_adding_one() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("json", stream=first)
    configure_logging("json", stream=second)
    logging.getLogger("reconciler").warning("once")

    assert first.getvalue() == ""
    assert len(json_lines(second)) == 1


def test_registered_secrets_are_masked_in_messages_fields_and_tracebacks() -> None:
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    register_secret(SECRET)
    log = logging.getLogger("reconciler.apply")

    log.warning("login with %s failed", SECRET, extra={"body": {"administratorLoginPassword": SECRET}})
    try:
        raise RuntimeError(f"server said: bad password {SECRET}")
    except RuntimeError:
        log.exception("write failed", extra={"detail": [SECRET, 3]})

    assert SECRET not in stream.getvalue()
    first, second = json_lines(stream)
    assert first["message"] == "login with *** failed"
    assert first["body"] == {"administratorLoginPassword": "***"}
    assert second["detail"] == ["***", 3]
    assert "bad password ***" in str(second["exception"])


def test_a_secret_is_masked_in_text_format_too() -> None:
    terminal = Terminal()
    configure_logging("text", stream=terminal)
    register_secret(SECRET)

    logging.getLogger("reconciler").error("connection string AccountKey=%s", SECRET, extra={"key": SECRET})

    assert SECRET not in terminal.getvalue()
    assert "AccountKey=***" in terminal.getvalue()
