"""Property-based: on every PUT example, any change to a declared field of the
live body is detected, as are a missing keyed member and an extra member of a
wholly owned list."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.compare import CompareRules, ListRule, compare, pattern_of
from adapters.merge import overlay
from adapters.registry import rules_for
from tests.adapters.examples import examples

Step = str | int
Path = tuple[Step, ...]


def cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(type, desired, live): live is the real response with the declared fields over it."""
    found = []
    for ex in examples("PUT"):
        rules = rules_for(ex.arm_type)
        desired = ex.request_body()
        for body in ex.response_bodies().values():
            found.append((ex.arm_type, desired, overlay(body, desired, rules)))
    return found


CASES = cases()


def dotted(path: Path) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def list_rule(rules: CompareRules, path: Path, sample: list[Any]) -> ListRule:
    return rules.list_rule(pattern_of(dotted(path)), sample)


def leaves(value: Any, path: Path, rules: CompareRules) -> Iterator[Path]:
    """Declared scalar leaves (and scalar list members) that are compared: not write-only, not the
    server's (ARM's readOnly flag, a child's location), not an instruction for the create."""
    pattern = pattern_of(dotted(path))
    if path and (rules.never_returned(pattern, value) or rules.owned_by_server(pattern)):
        return
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, (*path, key), rules)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaves(child, (*path, index), rules)
    elif value is not None:
        yield path


def locate(desired: Any, live: Any, path: Path, rules: CompareRules) -> tuple[Any, Step]:
    """The live container and step holding what `path` names in desired."""
    want, got = desired, live
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(step, int):
            rule = list_rule(rules, path[:depth], want)
            if rule.kind == "keyed" and isinstance(want[step], dict) and rule.key in want[step]:
                key = str(want[step][rule.key]).lower().replace(" ", "")
                index = next(i for i, m in enumerate(got) if str(m.get(rule.key)).lower().replace(" ", "") == key)
            elif rule.kind == "set":
                index = next(i for i, m in enumerate(got) if json.dumps(m, sort_keys=True) == json.dumps(want[step], sort_keys=True))
            else:
                index = step
            if last:
                return got, index
            want, got = want[step], got[index]
        else:
            live_key = next(k for k in got if k.lower() == step.lower())
            if last:
                return got, live_key
            want, got = want[step], got[live_key]
    raise AssertionError("empty path")


def changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return f"{value}-changed"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CASES), st.data())
def test_changing_any_declared_scalar_in_live_is_drift(case: tuple[str, dict[str, Any], dict[str, Any]], data: st.DataObject) -> None:
    arm_type, desired, live = case
    rules = rules_for(arm_type)
    assert compare(desired, live, rules).in_sync
    candidates = list(leaves(desired, (), rules))
    if not candidates:
        return
    path = data.draw(st.sampled_from(candidates))
    mutated = copy.deepcopy(live)
    container, step = locate(desired, mutated, path, rules)
    container[step] = changed(container[step])
    assert not compare(desired, mutated, rules).in_sync, dotted(path)


def keyed_lists(value: Any, path: Path, rules: CompareRules) -> Iterator[tuple[Path, ListRule]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from keyed_lists(child, (*path, key), rules)
    elif isinstance(value, list):
        rule = list_rule(rules, path, value)
        if rule.kind == "keyed" and value and all(isinstance(m, dict) and rule.key in m for m in value):
            yield path, rule
        for index, child in enumerate(value):
            yield from keyed_lists(child, (*path, index), rules)


def keyed_cases() -> list[tuple[str, dict[str, Any], dict[str, Any], Path, ListRule]]:
    return [
        (arm_type, desired, live, path, rule)
        for arm_type, desired, live in CASES
        for path, rule in keyed_lists(desired, (), rules_for(arm_type))
    ]


KEYED = keyed_cases()


def test_keyed_lists_are_exercised() -> None:
    owned = {rule.owned for *_, rule in KEYED}
    assert owned == {"wholly", "partly"}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(KEYED), st.data())
def test_a_deleted_keyed_member_is_drift(case: tuple[str, dict[str, Any], dict[str, Any], Path, ListRule], data: st.DataObject) -> None:
    arm_type, desired, live, path, rule = case
    rules = rules_for(arm_type)
    mutated = copy.deepcopy(live)
    container, step = locate(desired, mutated, path, rules)
    members = container[step]
    wanted = {str(m.get(rule.key)).lower().replace(" ", "") for m in _at(desired, path)}
    removable = [i for i, m in enumerate(members) if str(m.get(rule.key)).lower().replace(" ", "") in wanted]
    del members[data.draw(st.sampled_from(removable))]
    assert not compare(desired, mutated, rules).in_sync


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([c for c in KEYED if c[4].owned == "wholly"]), st.text(min_size=1, max_size=12))
def test_an_extra_member_of_a_wholly_owned_list_is_drift(case: tuple[str, dict[str, Any], dict[str, Any], Path, ListRule], name: str) -> None:
    arm_type, desired, live, path, rule = case
    rules = rules_for(arm_type)
    mutated = copy.deepcopy(live)
    container, step = locate(desired, mutated, path, rules)
    members = container[step]
    existing = {str(m.get(rule.key)).lower() for m in members}
    extra = copy.deepcopy(members[0])
    extra[rule.key] = "extra-" + name if ("extra-" + name).lower() not in existing else "extra-" + name + "-2"
    members.append(extra)
    assert not compare(desired, mutated, rules).in_sync


def test_an_extra_member_of_a_partly_owned_list_is_kept_not_drift() -> None:
    for arm_type, desired, live, path, rule in KEYED:
        if rule.owned != "partly":
            continue
        rules = rules_for(arm_type)
        mutated = copy.deepcopy(live)
        container, step = locate(desired, mutated, path, rules)
        extra = copy.deepcopy(container[step][0])
        extra[rule.key] = "someone-elses"
        container[step].append(extra)
        assert compare(desired, mutated, rules).in_sync


def _at(body: Any, path: Path) -> Any:
    for step in path:
        body = body[step]
    return body
