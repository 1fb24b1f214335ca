"""`reconcile graph`: the dependency graph, whole or around some resources.

    reconcile graph [--env E] [--format mermaid|dot]
    reconcile graph --target-resource ADDRESS [--reverse]     ADDRESS and what it depends on (as
                                                              `reconcile plan --target-resource` selects);
                                                              with --reverse, what depends on it

Nodes are named after their addresses (`networking_nsg_app` in Mermaid, `"networking.nsg.app"`
in DOT); nothing is read from Azure.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from reconciler.cli.common import (
    DEFAULT_ENV,
    EXIT_OK,
    UsageError,
    add_env_option,
    check_address,
    desired_state,
)
from reconciler.cli.common import Parser as _Parser


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="reconcile graph", description="Print the dependency graph (Mermaid or DOT).")
    add_env_option(p, DEFAULT_ENV)
    p.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    p.add_argument("--target-resource", action="append", default=[], metavar="ADDRESS",
                   help="only ADDRESS and what it depends on (repeatable)")
    p.add_argument("--reverse", action="store_true",
                   help="with --target-resource: ADDRESS and what depends on it, instead")
    return p


def closure(start: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """`start` and everything reachable from it along `edges`."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        address = stack.pop()
        if address not in seen:
            seen.add(address)
            stack.extend(edges.get(address, ()))
    return seen


def graph_command(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _parser().parse_args(argv)
    if args.reverse and not args.target_resource:
        raise UsageError("--reverse turns --target-resource around: pass --target-resource ADDRESS too")
    from desired_state.graph import render

    state = desired_state(args.env)
    depends_on = {r.address: r.depends_on for r in state.resources}
    for address in args.target_resource:
        check_address(address, depends_on, args.env, "--target-resource")
    shown = None
    if args.target_resource:
        if args.reverse:
            dependents: dict[str, list[str]] = {}
            for address, deps in depends_on.items():
                for dep in deps:
                    dependents.setdefault(dep, []).append(address)
            shown = closure(args.target_resource, dependents)
        else:
            shown = closure(args.target_resource, depends_on)
    out.write(render(state, args.format, shown) + "\n")
    return EXIT_OK

