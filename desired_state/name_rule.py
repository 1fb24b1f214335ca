"""One ARM type's name constraints, declared on its spec class (`name_rule`).

Rules follow "Naming rules and restrictions for Azure resources"
(learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
`desired_state.naming` collects them from the spec classes into its table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    """One ARM type's name constraints."""

    min_length: int
    max_length: int
    pattern: str
    charset: str
    globally_unique: bool = False

    def violation(self, name: str) -> str | None:
        """What is wrong with `name`, or None when it is valid."""
        if not self.min_length <= len(name) <= self.max_length:
            return f"length {len(name)} is outside {self.min_length}-{self.max_length}"
        if re.fullmatch(self.pattern, name) is None:
            return f"{name!r} breaks the charset rule: {self.charset}"
        return None


#: Letters, digits and hyphens, starting and ending with a letter or digit.
ALNUM_HYPHEN_EDGES = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#: Letters, digits, `_-.`, starting and ending with a word character (most Microsoft.Network types).
WORD_DOT_HYPHEN = r"\w(?:[\w.-]*\w)?"
#: ARM's generic rule, for types whose spec declares none.
GENERIC = NameRule(1, 80, r"[^<>%&:\\?/#*]+", "no <>%&:\\?/#*")
