"""Errors as text: one helper for an exception in one line (plans, logs, results)."""

from __future__ import annotations

#: The longest one-line account of an error kept in a plan, a result or a log line.
ONE_LINE_LIMIT = 300


def one_line(error: BaseException, limit: int = ONE_LINE_LIMIT) -> str:
    """The first line of `error`'s message, at most `limit` characters (its class name when empty)."""
    text = str(error).strip().splitlines()
    return text[0][:limit] if text else type(error).__name__
