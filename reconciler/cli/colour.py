"""Colour for the text plan on a terminal, and the options that choose it.

Colour is on when the stream is a terminal and `NO_COLOR` is unset or empty
(https://no-color.org: "when present and not an empty string ... prevents the
addition of ANSI color"); `--no-color` turns it off, `--color` forces it (a
pager that understands SGR, `less -R`). JSON output is never coloured: only
`write_plan` paints, and only the text plan.

Escape sequences are added by `SafeStream.write_styled` *after* the text is
cleaned, so our SGR codes reach the terminal while an ESC inside a resource
name or an Azure error message is still written as `\\u001b`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from typing import TextIO

from reconciler.runtime.safe_output import one_line

#: Plan line style -> SGR parameters (ECMA-48 8.3.117): Terraform's palette,
#: green create, yellow update, red replace/delete, magenta drift, bold red problems.
SGR: dict[str, str] = {
    "create": "32",
    "update": "33",
    "replace": "31",
    "delete": "31",
    "drift": "35",
    "problem": "1;31",
}

AUTO, ALWAYS, NEVER = "auto", "always", "never"


def add_colour_options(p: argparse.ArgumentParser) -> None:
    """`--no-color` and `--color` on a command that prints a plan."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--no-color", dest="colour", action="store_const", const=NEVER, default=AUTO,
                       help="never colour the plan (also: NO_COLOR=1)")
    group.add_argument("--color", dest="colour", action="store_const", const=ALWAYS,
                       help="colour the plan even when the output is not a terminal")


def colour_wanted(stream: TextIO, choice: str = AUTO) -> bool:
    """Whether to colour what goes to `stream` under `--color`/`--no-color` (`choice`)."""
    if choice == ALWAYS:
        return True
    if choice == NEVER or os.environ.get("NO_COLOR", ""):
        return False
    try:
        return bool(stream.isatty())
    except (ValueError, OSError):
        return False


def write_plan(lines: Iterable[tuple[str | None, str]], stream: TextIO, *, colour: bool) -> None:
    """Write the styled lines of a text plan (`reconciler.cli.render.render_styled`)."""
    write_styled = getattr(stream, "write_styled", None)
    # One styled line is one line: a value inside it (a tag name, a caller's name) cannot start
    # another (the output funnel, reconciler/runtime/safe_output.py).
    if not colour or write_styled is None:
        stream.write("".join(one_line(text) + "\n" for _, text in lines))
        return
    for style, text in lines:
        code = SGR.get(style) if style else None
        if code and text:
            write_styled(text, code)
            stream.write("\n")
        else:
            stream.write(one_line(text) + "\n")
