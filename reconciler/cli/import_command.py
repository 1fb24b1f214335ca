"""`reconcile import --env E --resource-group RG [...] --out PATH.py [--layer NAME] [--force]`: resource
groups as Azure holds them, written as one desired-state layer module (docs/import.md)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from reconciler.cli.common import (
    EXIT_OK,
    Parser,
    UsageError,
    add_common_options,
    configure_logging_from,
    tool_version,
)
from reconciler.runtime.inputs import check_arm_type, check_target_options
from reconciler.runtime.safe_output import one_line

DEFAULT_LAYER = "imported"


def _parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="reconcile import",
        description="Write resource groups as Azure holds them into one desired-state layer module: typed specs "
        "where the estate has them, the generic spec otherwise, references as references, secrets as settings "
        "read from the environment. Writes nothing else; refuses resources the environment already manages.",
    )
    add_common_options(p)
    p.add_argument("--resource-group", "-g", action="append", required=True, metavar="RG",
                   help="a resource group to import: a name or /subscriptions/ID/resourceGroups/NAME (repeatable)")
    p.add_argument("--out", required=True, metavar="PATH.py", help="the module to write")
    p.add_argument("--layer", default=DEFAULT_LAYER,
                   help="the layer's name, the first part of every address (default %(default)s)")
    p.add_argument("--force", action="store_true",
                   help="replace --out even when it is not a previous import of the same groups")
    p.add_argument("--generic", action="append", default=[], metavar="TYPE",
                   help="write resources of TYPE (an ARM type, or 'all') as the generic spec, declaring every field a "
                        "user sets, even where a typed spec of the estate fits (repeatable)")
    return p


def import_command(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _parser().parse_args(argv)
    check_target_options(args)
    if args.emulator_state and args.emulator_url:
        raise UsageError("--emulator-state and --emulator-url conflict: choose the embedded or the served emulator")
    from desired_state.layer_file import LAYER_NAME
    from desired_state.layers.context import LAYER_ORDER

    if not LAYER_NAME.fullmatch(args.layer) or args.layer in LAYER_ORDER:
        raise UsageError(
            f"--layer {args.layer!r}: a layer name is lower-case letters, digits and _ and not one of the estate's "
            f"layers ({', '.join(LAYER_ORDER)}); e.g. --layer imported"
        )
    target = Path(args.out)
    from reconciler.importer.run import check_out, group_name

    for given in args.resource_group:  # the names' form, before the target opens
        group_name(given)
    for arm_type in args.generic:
        if arm_type.lower() != "all":
            check_arm_type(arm_type, "--generic")
    check_out(target, args.resource_group, args.layer, force=True)  # the path itself, before anything is read
    configure_logging_from(args)
    from reconciler.engine.session import open_session
    from reconciler.importer.run import run_import, write_module

    session = open_session(args.env, emulator_state=args.emulator_state, emulator_url=args.emulator_url)
    err.write(session.target.banner + "\n")
    result, text = run_import(session, args.resource_group, target, args.layer, force=args.force,
                              tool_version=tool_version(), generic=args.generic)
    write_module(target, result.layer.groups, text, force=args.force)
    report(result, args.env, out, err)
    return EXIT_OK


def report(result: object, environment: str, out: TextIO, err: TextIO) -> None:
    from reconciler.importer.run import ImportResult

    assert isinstance(result, ImportResult)
    layer = result.layer
    typed = sum(1 for r in layer.resources if r.typed)
    groups = ", ".join(g.rsplit("/", 1)[-1] for g in layer.groups)
    out.write(
        f"Imported {len(layer.resources)} resources of {result.types} types from {groups} into {one_line(str(result.out))} "
        f"(layer {layer.layer!r}): {typed} typed specs, {len(layer.resources) - typed} generic.\n"
    )
    if layer.inline:
        out.write(f"{len(layer.inline)} more are declared inline by their parent's spec (listed at the end of the file).\n")
    if layer.referenced:
        out.write(f"{len(layer.referenced)} shared resources the environment declares are referred to, not written "
                  f"(listed at the end of the file): {', '.join(a for _i, a in layer.referenced)}.\n")
    if layer.settings:
        out.write("Secrets are settings read from the environment (or .env), never written into the file:\n")
        for setting in layer.settings:
            out.write(f"  {setting.name}  ({setting.address}: {setting.path})\n")
    unverifiable = [(r.address, path, why) for r in layer.resources for path, why in r.not_verifiable]
    if unverifiable:
        out.write("Not verifiable (not declared; commented in the file, and reported by the plan, never as drift):\n")
        for address, path, why in unverifiable:
            out.write(f"  {address}: {path} ({why})\n")
    for warning in result.warnings:
        err.write(f"warning: {warning}\n")
    out.write(
        f"Next: reconcile plan --env {environment} --layer-file {result.out}  (plans only the ownership tags)\n"
        f"      reconcile apply --env {environment} --layer-file {result.out} --adopt '{layer.layer}.*'\n"
    )
