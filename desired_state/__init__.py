"""What should exist: typed specs, per-environment settings and the layers
that compose them into one environment's desired state."""

from desired_state.state import DesiredState, build, summarize

__all__ = ["DesiredState", "build", "summarize"]
