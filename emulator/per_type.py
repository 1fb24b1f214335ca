"""Behaviour looked up by ARM type: one small table shape shared by the
emulator's per-type hooks (`emulator.computed`, `emulator.refusals`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, ParamSpec

P = ParamSpec("P")


class PerType(Generic[P]):
    """A hook per ARM type, found case-insensitively; types without one are left alone."""

    def __init__(self, hooks: Mapping[str, Callable[P, None]]) -> None:
        self._hooks: dict[str, Callable[P, None]] = {}
        for arm_type, hook in hooks.items():
            if arm_type.lower() in self._hooks:
                raise ValueError(f"{arm_type} has two hooks")
            self._hooks[arm_type.lower()] = hook

    def types(self) -> frozenset[str]:
        """The lower-cased types that have a hook."""
        return frozenset(self._hooks)

    def run(self, type_key: str, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call the hook of `type_key`, if the type has one."""
        hook = self._hooks.get(type_key.lower())
        if hook is not None:
            hook(*args, **kwargs)
