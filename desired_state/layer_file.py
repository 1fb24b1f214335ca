"""A layer kept in a Python file outside `desired_state/layers/`, added to an environment for one run
(`--layer-file PATH.py` on plan, apply and run): how an import (`reconcile import`, docs/import.md) is
tried before it is committed.

The file defines `LAYER` (the layer's name) and `build(ctx, declared)`, which returns the layer's
specs; `declared` maps every address of the environment's own layers to its spec, so the file's
resources can refer to the estate's (`declared["networking.subnet.app"]`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import local_files
from desired_state.errors import DesiredStateError
from desired_state.layers.context import LAYER_ORDER, LayerContext
from desired_state.resource import ResourceSpec

#: A layer name: what addresses start with.
LAYER_NAME = re.compile(r"[a-z][a-z0-9_]*")

BuildLayer = Callable[[LayerContext, Mapping[str, ResourceSpec]], Sequence[ResourceSpec]]


@dataclass(frozen=True)
class LayerFile:
    """One layer file, loaded."""

    path: Path
    layer: str
    build: BuildLayer

    def specs(self, ctx: LayerContext, declared: Mapping[str, ResourceSpec]) -> list[ResourceSpec]:
        """The layer's specs, each checked to be a spec whose address starts with the layer's name."""
        try:
            specs = list(self.build(ctx, declared))
        except DesiredStateError:
            raise
        except Exception as error:  # the file's own code failed: name the file and the error
            raise DesiredStateError(
                f"build() failed: {type(error).__name__}: {error}; fix the layer file", resource=str(self.path)
            ) from None
        for spec in specs:
            if not isinstance(spec, ResourceSpec):
                raise DesiredStateError(
                    f"build() returned {type(spec).__name__}, not a spec; return a list of specs", resource=str(self.path)
                )
            if not spec.address.startswith(f"{self.layer}."):
                raise DesiredStateError(
                    f"address {spec.address!r} is outside layer {self.layer!r}; start it with '{self.layer}.'",
                    resource=str(self.path),
                )
        return specs


def load(path: Path | str) -> LayerFile:
    """The layer a file defines; DesiredStateError naming the file and the fix when it defines none."""
    where = Path(path)
    try:  # the one safe reader: a FIFO, a directory or a huge file is refused, never waited on
        text = local_files.read_text(where, what="--layer-file", fix="give the Python file `reconcile import --out` wrote")
    except local_files.LocalFileError as error:
        raise DesiredStateError(f"{error.problem}; give the Python file `reconcile import --out` wrote",
                                resource=str(where)) from None
    assert text is not None
    namespace: dict[str, Any] = {"__name__": "reconcile_layer_file", "__file__": str(where)}
    try:
        exec(compile(text, str(where), "exec"), namespace)
    except SyntaxError as error:
        raise DesiredStateError(f"line {error.lineno}: {error.msg}; fix the Python", resource=str(where)) from None
    except Exception as error:
        raise DesiredStateError(
            f"{type(error).__name__} while loading: {error}; fix the layer file", resource=str(where)
        ) from None
    layer, build = namespace.get("LAYER"), namespace.get("build")
    if not isinstance(layer, str) or not LAYER_NAME.fullmatch(layer):
        raise DesiredStateError(
            "defines no LAYER (a lower-case name such as 'imported'); a layer file sets LAYER and build(ctx, declared)",
            resource=str(where),
        )
    if layer in LAYER_ORDER:
        raise DesiredStateError(
            f"LAYER {layer!r} is one of the estate's own layers; give the file's layer another name", resource=str(where)
        )
    if not callable(build):
        raise DesiredStateError("defines no build(ctx, declared) function returning the layer's specs", resource=str(where))
    return LayerFile(where, layer, build)
