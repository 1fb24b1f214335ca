"""One module per layer of the architecture, each composing typed specs and
gated by the environment's feature flags. `LAYER_ORDER` is the plan's
deployment order; a layer's resources only refer to resources of its own or
earlier layers."""

from desired_state.layers.context import LAYER_ORDER, LAYER_RANK, LayerContext

__all__ = ["LAYER_ORDER", "LAYER_RANK", "LayerContext"]
