"""The imported layer as Python source, formatted with the project's formatter (ruff format).

Safe against hostile names and values: every piece of remote text (a name, a tag, a body value, a
path) is written as a Python literal by `repr` (a `str`'s repr escapes quotes, backslashes, line
breaks and every non-printable character, so no value can end its literal, start a line or comment
out code), comments hold remote text only through `repr` too and are written one line each, and
identifiers are made by `reconciler.importer.references.Names`. The first line of the module is
the marker `reconcile import` checks before replacing a file (`MARKER`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import defaultdict
from typing import Any

from desired_state.errors import ReconcilerError
from reconciler.importer.expressions import Call, Declared, Tags, Var
from reconciler.importer.model import Imported, ImportedLayer

#: The first line of an imported module, followed by its JSON header (groups, environment, layer).
MARKER = "# reconcile import: "
FORMAT = 1
_INDENT = "    "


def header(layer: ImportedLayer) -> dict[str, Any]:
    """What the marker line records: enough to tell a previous import of the same groups."""
    return {"format": FORMAT, "groups": sorted(g.lower() for g in layer.groups),
            "environment": layer.environment, "layer": layer.layer}


def read_header(text: str) -> dict[str, Any] | None:
    """The header of a module `reconcile import` wrote, or None for any other text."""
    first = text.split("\n", 1)[0]
    if not first.startswith(MARKER):
        return None
    try:
        value = json.loads(first[len(MARKER):])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def aliases(classes: list[type]) -> dict[type, str]:
    """The name each class goes by in the module: its own, or `ModuleName` where two share a name
    (a network `RouteSpec` and a CDN `RouteSpec`)."""
    named: dict[type, str] = {}
    taken: set[str] = set()
    for cls in classes:
        name = cls.__name__
        if name in taken:
            name = cls.__module__.rsplit(".", 1)[-1].title().replace("_", "") + cls.__name__
        taken.add(name)
        named[cls] = name
    return named


def literal(value: Any, depth: int = 0, names: dict[type, str] | None = None) -> str:
    """Python source for a value: literals by `repr`, our expression shapes by their own rules."""
    names = names or {}
    pad = _INDENT * (depth + 1)
    end = _INDENT * depth
    if isinstance(value, Var):
        return value.name
    if isinstance(value, Declared):
        return f"declared[{value.address!r}]"
    if isinstance(value, Tags):
        items = [f"{k!r}: {v!r}" for k, v in value.live]
        return "{" + ", ".join([*items, "**owned"]) + "}"
    if isinstance(value, Call):
        func = names.get(value.func, value.func.__name__) if isinstance(value.func, type) else str(value.func)
        parts = [literal(a, depth + 1, names) for a in value.args]
        parts += [f"{key}={literal(v, depth + 1, names)}" for key, v in value.kwargs]
        if not value.kwargs:
            return f"{func}({', '.join(parts)})"
        return f"{func}(\n" + "".join(f"{pad}{p},\n" for p in parts) + f"{end})"
    if isinstance(value, dict):
        if not value:
            return "{}"
        members = "".join(f"{pad}{_key(k)}: {literal(v, depth + 1, names)},\n" for k, v in value.items())
        return "{\n" + members + f"{end}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "".join(f"{pad}{literal(v, depth + 1, names)},\n" for v in value) + f"{end}]"
    if isinstance(value, tuple):
        if not value:
            return "()"
        return "(\n" + "".join(f"{pad}{literal(v, depth + 1, names)},\n" for v in value) + f"{end})"
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else f"float({str(value)!r})"
    raise TypeError(f"no literal for {type(value).__name__}")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"a body key that is not a string: {type(key).__name__}")
    return repr(key)


def comment(text: str) -> str:
    """One comment line: text holding anything but printable characters is written escaped."""
    return "# " + (text if text.isprintable() else ascii(text))


def source(layer: ImportedLayer, tool_version: str) -> str:
    """The module, before formatting."""
    imports: dict[str, set[str]] = defaultdict(set)
    aliased = aliases(layer.classes())
    for model, name in aliased.items():
        imports[model.__module__].add(model.__name__ if name == model.__name__ else f"{model.__name__} as {name}")
    helpers = {"desired_state.layers.context": {"LayerContext"}, "desired_state.resource": {"ResourceSpec"},
               "desired_state.tags": {"ownership_tags"}}
    if layer.settings:
        helpers["desired_state.settings"] = {"secret_setting"}
    if any(_uses(r, "live_ref") for r in layer.resources):
        helpers["desired_state.references"] = {"live_ref"}
    for module, names in helpers.items():
        imports[module] |= names
    lines = [
        MARKER + json.dumps(header(layer), sort_keys=True),
        '"""A layer written by `reconcile import` from resource groups as Azure holds them (docs/import.md).',
        "",
        "Review it, then try it with `reconcile plan --env ENV --layer-file THIS_FILE` (it plans only the",
        "ownership tags) and take the resources over with `reconcile apply --env ENV --layer-file THIS_FILE",
        "--adopt 'LAYER.*'`; move it into desired_state/layers/ to keep it.",
        '"""',
        "",
        comment(f"written by reconcile {tool_version!r} for environment {layer.environment!r} from resource groups:"),
        *[comment(repr(group)) for group in sorted(layer.groups)],
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "",
    ]
    lines += [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(imports.items()) if names]
    lines += ["", f"LAYER = {layer.layer!r}"]
    if layer.settings:
        lines += ["", "# Secrets are read from the environment (or .env), never written here: set these to manage them."]
        lines += [comment(f"{s.name}: {s.path!r} of {s.address}") for s in layer.settings]
    lines += ["", "", "def build(ctx: LayerContext, declared: Mapping[str, ResourceSpec]) -> list[ResourceSpec]:",
              f'{_INDENT}"""The imported resources, each after what it refers to."""',
              f"{_INDENT}owned = ownership_tags(ctx.env)"]
    for imported in layer.resources:
        lines.append("")
        lines += [_INDENT + comment(text) for text in imported.comments]
        lines.append(f"{_INDENT}{imported.var} = {literal(imported.call, 1, aliased)}")
    lines.append(f"{_INDENT}return [{', '.join(r.var for r in layer.resources)}]")
    if layer.inline:
        lines += ["", "", "# Read but held inline by their parent's spec:"]
        lines += [comment(f"{rid!r}: {why}") for rid, why in layer.inline]
    if layer.referenced:
        lines += ["", "", "# Read but shared by the environments, which declare them: referred to as declared[ADDRESS]:"]
        lines += [comment(f"{rid!r}: {address}") for rid, address in layer.referenced]
    return "\n".join(lines) + "\n"


def _uses(imported: Imported, func: str) -> bool:
    def walk(value: Any) -> bool:
        if isinstance(value, Call):
            return value.func == func or any(walk(a) for a in value.args) or any(walk(v) for _k, v in value.kwargs)
        if isinstance(value, dict):
            return any(walk(v) for v in value.values())
        if isinstance(value, list | tuple):
            return any(walk(v) for v in value)
        return False

    return walk(imported.call)


class FormatError(ReconcilerError, RuntimeError):
    """ruff could not format the generated module."""


def formatted(text: str) -> str:
    """`text` formatted by ruff (`ruff format -`), with the project's line length when run from it."""
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    try:
        done = subprocess.run([*command, "format", "--line-length", "110", "-"], input=text, capture_output=True,
                              text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise FormatError(f"ruff format could not run ({error}); install ruff") from None
    if done.returncode != 0:
        raise FormatError(f"ruff format refused the generated module: {done.stderr.strip()[:300]}")
    return done.stdout
