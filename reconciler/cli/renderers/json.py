"""`--output json`: the plan's document (docs/plan-format.md, docs/plan-schema.json), nothing else on stdout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from reconciler.cli.plan_view import PlanView
    from reconciler.cli.renderers import RenderOptions


def document_text(view: PlanView) -> str:
    """Strict JSON (no NaN/Infinity, which JSON parsers reject: live bodies holding them are
    refused where they enter, reconciler/engine/live_shape.py)."""
    return json.dumps(view.document(), indent=2, sort_keys=False, default=str, allow_nan=False) + "\n"


@dataclass(frozen=True)
class JsonRenderer:
    for_machines: bool = True
    with_outcome: bool = False

    def write(self, view: PlanView, out: TextIO) -> None:
        out.write(document_text(view))


def renderer(options: RenderOptions) -> JsonRenderer:
    """JSON is never coloured and always complete (`--verbose` changes nothing)."""
    return JsonRenderer()
