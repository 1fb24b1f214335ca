"""`reconcile compare --type TYPE DESIRED.json LIVE.json [--output json]`.

Exit 0 when the live body satisfies the desired one, 2 when it does not.
Errors (unknown type, unreadable file, invalid JSON) raise `CompareInputError`
with one line naming the culprit and the fix; the CLI maps them to exit 1.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

import local_files
from adapters.compare import compare, render
from adapters.registry import rules_for
from desired_state.errors import ReconcilerError
from reconciler.runtime.inputs import InputError, check_arm_type

IN_SYNC = 0
DRIFTED = 2


class CompareInputError(ReconcilerError, ValueError):
    """Bad input to the compare command; the message is one actionable line."""

    outcome = "validation"


#: Deepest nesting accepted in a body (the comparison recurses per level).
MAX_DEPTH = 100
#: Largest body file read (ARM refuses request bodies above 4 MiB).
MAX_BYTES = 16 * 1024 * 1024


class _NotJson(ReconcilerError, ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON does not have them."""

    outcome = "validation"


def _no_constant(name: str) -> Any:
    raise _NotJson(name)


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest
#: `Namespace/type[/childType...]`, as ARM spells types.
def _load(path: str, role: str) -> dict[str, Any]:
    # The one safe reader (local_files): a FIFO, a directory or a huge file is refused, never hangs.
    try:
        data = local_files.read_bytes(path, what=f"the {role} body", fix="pass a readable JSON file",
                                      max_bytes=MAX_BYTES)
    except local_files.LocalFileError as error:
        raise CompareInputError(f"cannot read the {role} body {path}: {error.problem}; pass a readable JSON file") from None
    assert data is not None
    if local_files.json_depth(data) > MAX_DEPTH:
        raise CompareInputError(
            f"{path} nests deeper than {MAX_DEPTH} levels; an ARM body nests far less: fix the {role} body"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CompareInputError(f"{path} is not UTF-8 text; save the {role} body as UTF-8") from None
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise CompareInputError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            f"fix the {role} body"
        ) from None
    except _NotJson as error:
        raise CompareInputError(f"{path} holds {error}, which JSON has no spelling for; fix the {role} body") from None
    except RecursionError:
        raise CompareInputError(
            f"{path} nests deeper than {MAX_DEPTH} levels; an ARM body nests far less: fix the {role} body"
        ) from None
    if _depth(body) > MAX_DEPTH:
        raise CompareInputError(
            f"{path} nests deeper than {MAX_DEPTH} levels; an ARM body nests far less: fix the {role} body"
        )
    if not isinstance(body, dict):
        raise CompareInputError(f"{path} holds a JSON {type(body).__name__}, not an ARM body object; fix the {role} body")
    return body


def run(arm_type: str, desired_path: str, live_path: str, output: str, out: TextIO) -> int:
    """Compare two ARM wire bodies with the rules of `arm_type`; print the differences."""
    try:
        check_arm_type(arm_type, "--type")  # the one rule of an option naming an ARM type
    except InputError as error:
        raise CompareInputError(str(error)) from None
    # Every type compares: a declared entry's rules, else the default ones (only declared paths count).
    rules = rules_for(arm_type)
    if output not in ("text", "json"):
        raise CompareInputError(f"unknown output format {output!r}; use --output text or --output json")
    desired = _load(desired_path, "desired")
    live = _load(live_path, "live")
    result = compare(desired, live, rules)
    if output == "json":
        rows = [{"path": d.path, "desired": d.desired, "live": d.live} for d in result.differences]
        out.write(json.dumps(rows, indent=2, allow_nan=False) + "\n")
    elif result.in_sync:
        out.write(f"{arm_type}: live satisfies desired\n")
    else:
        for d in result.differences:
            replace = "  (requires replace)" if d.requires_replace else ""
            out.write(f"~ {d.path}: desired {render(d.desired)}, live {render(d.live)}{replace}\n")
        out.write(f"{len(result.differences)} difference(s)\n")
    return IN_SYNC if result.in_sync else DRIFTED
