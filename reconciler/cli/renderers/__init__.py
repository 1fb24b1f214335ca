"""Plan renderers, chosen once per command by `--output`.

Every renderer writes the same view of a plan (`reconciler.cli.plan_view.PlanView`). A renderer
is one module of this package named after its format, holding `renderer(options) -> PlanRenderer`;
the modules here are the formats `--output` accepts, so adding a format (Markdown, say) is adding
one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from reconciler.cli.plan_view import PlanView


@dataclass(frozen=True)
class RenderOptions:
    """What a person asked of the output: colour (`--color`/`--no-color`, a terminal) and
    `--verbose` (list every write-only attribute that cannot be verified)."""

    colour: bool = False
    verbose: bool = False


class PlanRenderer(Protocol):
    #: True when stdout must hold the rendered plan and nothing else (JSON): the banner and the
    #: status lines of the command go to stderr.
    for_machines: bool
    #: True when the plan of an apply is written once, after the apply, with what became of each
    #: change (`PlanView.of(plan, result)`: Markdown, one document for a summary page); False when
    #: it is written before the apply asks and runs (text, JSON).
    with_outcome: bool

    def write(self, view: PlanView, out: TextIO) -> None:
        """Write the whole plan to `out`."""


def formats() -> tuple[str, ...]:
    """The `--output` formats of a plan: this package's modules, `text` (the default) first."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return tuple(sorted(names, key=lambda n: n != "text"))


def choose(fmt: str, options: RenderOptions) -> PlanRenderer:
    """The renderer of `fmt` (one of `formats()`)."""
    if fmt not in formats():
        raise ValueError(f"--output {fmt!r}: no such format; use one of {', '.join(formats())}")
    module = importlib.import_module(f"{__name__}.{fmt}")
    renderer: PlanRenderer = module.renderer(options)
    return renderer
