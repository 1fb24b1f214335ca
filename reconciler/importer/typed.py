"""A typed spec of the estate's own for a live resource, where one renders what Azure holds.

No spec class knows how to read itself back from a body, and none should have to (each fact about a
type lives in one declaration: the spec's rendering). So the values of a spec's fields are searched:
each field's candidates come from its annotation and the live body (a `Literal`'s values, the body's
strings, numbers, lists and maps, the imported specs whose ids the body holds, an inline model such as
an NSG rule solved against each list member), a field is moved to the candidate that leaves the fewest
differences, field after field, until the spec's body is the live body by the planner's own comparison
(`adapters.compare` with the type's rules, references to live values resolved as the planner resolves
them). A string field is probed with a sentinel first, so a value the spec renders inside a longer
string (`https://{name}.blob...`) is read back out of it.

A class is taken only when the result is exact and unambiguous: every difference gone, and no
required field that the body does not decide (a function app's storage account, which only its
settings name, could be any account: such a resource stays generic rather than guessed).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, SecretStr

from adapters.compare import CompareRules, compare, pattern_of
from desired_state.resource import ResourceSpec
from reconciler.engine.resolve import resolve_refs
from reconciler.importer.settable import leaves

#: Fields every spec has that the search never sets (their defaults stand).
UNSEARCHED = frozenset({"drift_policy", "tolerate_foreign_tags", "name_from"})
_SENTINEL = "\x00probe\x00"
_PASSES = 4
_INFINITY = 10**9


@dataclass(frozen=True)
class SecretSetting:
    """A field holding a secret: read from the environment by the generated code, never a value."""

    optional: bool


@dataclass(frozen=True)
class Solution:
    """Field values that make a model render a live body."""

    model: type[BaseModel]
    fixed: dict[str, Any]
    values: dict[str, Any]

    def build(self) -> BaseModel:
        return self.model(**self.fixed, **{k: _concrete(v) for k, v in self.values.items()})


def _concrete(value: Any) -> Any:
    """A candidate as a field value (a secret setting renders as no value, or a placeholder)."""
    if isinstance(value, SecretSetting):
        return None if value.optional else SecretStr("(setting)")
    if isinstance(value, Solution):
        return value.build()
    if isinstance(value, tuple) and any(isinstance(v, Solution) for v in value):
        return tuple(_concrete(v) for v in value)
    return value


class SpecPool:
    """The specs a field may refer to (imported so far, and the estate's own), by lower-cased id."""

    def __init__(self, specs: Sequence[ResourceSpec] = ()) -> None:
        self.by_id: dict[str, ResourceSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: ResourceSpec) -> None:
        self.by_id.setdefault(spec.id.lower(), spec)


# -- what a body holds ----------------------------------------------------------------------------


@dataclass
class Holdings:
    """The values a body holds, by kind, in the order they appear."""

    strings: list[str]
    numbers: list[int | float]
    string_lists: list[list[str]]
    #: (path pattern of the list, its members)
    object_lists: list[tuple[str, list[dict[str, Any]]]]
    #: (path pattern, the object)
    objects: list[tuple[str, dict[str, Any]]]
    string_maps: list[dict[str, str]]


def holdings(body: Any) -> Holdings:
    found = Holdings([], [], [], [], [], [])

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            found.objects.append((path, value))
            if value and all(isinstance(v, str) for v in value.values()):
                found.string_maps.append(value)
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            if value and all(isinstance(v, str) for v in value):
                found.string_lists.append(value)
            if value and all(isinstance(v, dict) for v in value):
                found.object_lists.append((path, value))
            for item in value:
                walk(item, f"{path}[]")
        elif isinstance(value, str):
            found.strings.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found.numbers.append(value)

    walk(body, "")
    return found


def rerooted(rules: CompareRules, prefix: str) -> CompareRules:
    """`rules` for the part of a body at `prefix` (an inline model's member: `properties.securityRules[]`)."""
    if not prefix:
        return rules
    head = prefix + "."

    def under(paths: frozenset[str]) -> frozenset[str]:
        return frozenset(p[len(head):] for p in paths if p.startswith(head))

    return CompareRules(
        case_insensitive=under(rules.case_insensitive), locations=under(rules.locations),
        lists={p[len(head):]: rule for p, rule in rules.lists.items() if p.startswith(head)},
        write_only=under(rules.write_only), create_only=under(rules.create_only), read_only=under(rules.read_only),
        immutable=frozenset(), cidr=under(rules.cidr), xml=under(rules.xml), last_segment=under(rules.last_segment),
        reshaped={p[len(head):]: s for p, s in rules.reshaped.items() if p.startswith(head)},
    )


def _unique(values: Iterator[Any] | list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if not any(type(value) is type(s) and value == s for s in seen):
            seen.append(value)
    return seen


# -- the search -------------------------------------------------------------------------------------


Render = Callable[[BaseModel], Any]
#: (differences left, live fields declared): fewer differences first, then the more the spec declares.
Score = Callable[[Any], tuple[int, int]]
_WORST = (_INFINITY, 0)


@dataclass
class Problem:
    """One model to solve: its class, the fields already known, how it renders and is scored."""

    model: type[BaseModel]
    fixed: dict[str, Any]
    render: Render
    score: Score
    target: Any
    pool: SpecPool
    rules: CompareRules


def solve(problem: Problem) -> Solution | None:
    """Field values rendering `problem.target` exactly and unambiguously, or None."""
    fields = {name: info for name, info in problem.model.model_fields.items()
              if name not in problem.fixed and name not in UNSEARCHED}
    values: dict[str, Any] = {}
    for name, info in fields.items():
        if not info.is_required():
            values[name] = info.get_default(call_default_factory=True)
    held = holdings(problem.target)
    options: dict[str, list[Any]] = {}
    for name, info in fields.items():
        start = _start(info.annotation)
        if start is not None:
            values[name] = start
    for name, info in fields.items():
        options[name] = _candidates(problem, name, info.annotation, values, held)
        if name not in values:
            if not options[name]:
                return None
            values[name] = options[name][0]
    best = _evaluate(problem, values)
    for _ in range(_PASSES):
        improved = False
        for name in fields:
            for option in options[name]:
                trial = {**values, name: option}
                score = _evaluate(problem, trial)
                if score < best:
                    best, values, improved = score, trial, True
        if not improved:
            break
    if best[0] != 0:
        return None
    for name, info in fields.items():
        if info.is_required() and _decides_nothing(problem, values, name, options[name], best):
            return None
    return Solution(problem.model, dict(problem.fixed), values)


def _start(annotation: Any) -> Any:
    """A secret field starts (and stays) a setting."""
    arms = _arms(annotation)
    if SecretStr in arms:
        return SecretSetting(optional=type(None) in arms)
    return None


def _decides_nothing(problem: Problem, values: dict[str, Any], name: str, options: list[Any],
                     best: tuple[int, int]) -> bool:
    """Whether another candidate of a required field renders the body as well (the body does not say)."""
    if isinstance(values[name], SecretSetting):
        return False
    return any(
        not _same(option, values[name]) and _evaluate(problem, {**values, name: option}) == best for option in options
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, ResourceSpec) or isinstance(b, ResourceSpec):
        return a is b
    return type(a) is type(b) and bool(a == b)


def _evaluate(problem: Problem, values: dict[str, Any]) -> tuple[int, int]:
    try:
        instance = problem.model(**problem.fixed, **{k: _concrete(v) for k, v in values.items()})
        rendered = problem.render(instance)
    except Exception:  # a combination the model refuses, or cannot render
        return _WORST
    return problem.score(rendered)


def score_against(live: Any, rules: CompareRules, settable_paths: frozenset[str], *, tolerate: bool = False) -> Score:
    """The planner's comparison of a rendered body with `live`, then how many of the live body's
    settable fields (`settable_paths`, as patterns) the rendering declares (more is better)."""

    def score(rendered: Any) -> tuple[int, int]:
        if not isinstance(rendered, dict):
            return _WORST
        differences = len(compare(rendered, live, rules, tolerate_foreign_tags=tolerate).differences)
        declared = {pattern_of(path) for path, _value in leaves(rendered)}
        return differences, -len(declared & settable_paths)

    return score


def _arms(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _candidates(problem: Problem, name: str, annotation: Any, values: dict[str, Any], held: Holdings) -> list[Any]:
    found: list[Any] = []
    if name in values and not isinstance(values[name], SecretSetting):
        found.append(values[name])  # the default first: kept on a tie
    for arm in _arms(annotation):
        found.extend(_arm_candidates(problem, name, arm, values, held))
    return _unique(found)


def _arm_candidates(problem: Problem, name: str, arm: Any, values: dict[str, Any], held: Holdings) -> list[Any]:
    origin = typing.get_origin(arm)
    if arm is type(None):
        return [None]
    if arm is SecretStr:
        return []
    if origin is Literal:
        return list(typing.get_args(arm))
    if arm is bool:
        return [False, True]
    if arm is int:
        return [n for n in held.numbers if isinstance(n, int)]
    if arm is float:
        return [float(n) for n in held.numbers]
    if arm is str:
        return _strings(problem, name, values, held)
    if isinstance(arm, type) and issubclass(arm, ResourceSpec):
        return _referenced(problem, arm, held)
    if isinstance(arm, type) and issubclass(arm, BaseModel):
        return [s for path, item in held.objects if (s := _sub(problem, arm, item, path)) is not None]
    if origin in (tuple, list) or arm in (tuple, list):
        return _sequences(problem, name, arm, values, held)
    if origin is dict:
        return [dict(m) for m in held.string_maps]
    return []


def _strings(problem: Problem, name: str, values: dict[str, Any], held: Holdings) -> list[str]:
    """The strings the body holds where the field renders: probed with a sentinel, so a value inside a
    longer string (`https://{name}.blob...`) is read back out; every string when the probe says nothing."""
    shapes = _probe(problem, name, values, _SENTINEL)
    if not shapes:
        return list(held.strings)
    found = []
    for prefix, suffix in shapes:
        for text in held.strings:
            if len(text) >= len(prefix) + len(suffix) and text.startswith(prefix) and text.endswith(suffix):
                found.append(text[len(prefix): len(text) - len(suffix)])
    return found


def _probe(problem: Problem, name: str, values: dict[str, Any], probe: Any) -> list[tuple[str, str]]:
    """(prefix, suffix) around the sentinel in each rendered string holding it."""
    try:
        instance = problem.model(**problem.fixed, **{k: _concrete(v) for k, v in {**values, name: probe}.items()})
        rendered = problem.render(instance)
    except Exception:
        return []
    shapes = []
    for text in holdings(rendered).strings:
        if _SENTINEL in text:
            prefix, _, suffix = text.partition(_SENTINEL)
            shapes.append((prefix, suffix))
    return shapes


def _ids_in_order(held: Holdings) -> list[str]:
    return _unique(s.lower() for s in held.strings if s.startswith("/"))


def _referenced(problem: Problem, cls: type[ResourceSpec], held: Holdings) -> list[ResourceSpec]:
    """The specs of `cls` whose ids the body holds."""
    specs = (problem.pool.by_id.get(rid) for rid in _ids_in_order(held))
    return [spec for spec in specs if isinstance(spec, cls)]


def _sequences(problem: Problem, name: str, arm: Any, values: dict[str, Any], held: Holdings) -> list[Any]:
    args = typing.get_args(arm)
    item = args[0] if args else Any
    make: Callable[[list[Any]], Any] = tuple if typing.get_origin(arm) is tuple or arm is tuple else list
    found: list[Any] = [make([])]
    if isinstance(item, type) and issubclass(item, ResourceSpec):
        referenced = _referenced(problem, item, held)
        found += [make(referenced)] + [make([spec]) for spec in referenced]
    elif isinstance(item, type) and issubclass(item, BaseModel):
        for path, members in held.object_lists:
            solved = [_sub(problem, item, member, f"{path}[]") for member in members]
            if all(s is not None for s in solved):
                found.append(make(solved))
    elif item is str:
        found += [make(strings) for strings in held.string_lists]
        for prefix, suffix in _probe(problem, name, values, make([_SENTINEL])):
            for text in held.strings:
                if text.startswith(prefix) and text.endswith(suffix) and len(text) >= len(prefix) + len(suffix):
                    found.append(make([text[len(prefix): len(text) - len(suffix)]]))
    return found


def _sub(problem: Problem, model: type[BaseModel], item: Any, path: str) -> Solution | None:
    """An inline model (an NSG rule) solved against one member of a list in the body, at `path`."""
    if not isinstance(item, dict) or not hasattr(model, "body"):
        return None
    rules = rerooted(problem.rules, path)
    score = score_against(item, rules, frozenset(pattern_of(p) for p, _v in leaves(item)))
    sub = Problem(model, {}, lambda m: m.body(), score, item, problem.pool, rules)  # type: ignore[attr-defined]
    return solve(sub)


def spec_problem(
    cls: type[ResourceSpec],
    fixed: dict[str, Any],
    live: dict[str, Any],
    settable: dict[str, Any],
    rules: CompareRules,
    pool: SpecPool,
    live_by_address: Mapping[str, Mapping[str, Any] | None],
) -> Problem:
    """The search for `cls`'s field values, scored by the planner's comparison of its body with `live`;
    candidates come from `settable` (what of `live` a user would set)."""

    def render(spec: BaseModel) -> Any:
        assert isinstance(spec, ResourceSpec)
        return resolve_refs(spec.body(), live_by_address, strict=False)

    paths = frozenset(pattern_of(p) for p, _v in leaves(settable))
    score = score_against(live, rules, paths, tolerate=bool(fixed.get("tolerate_foreign_tags")))
    return Problem(cls, fixed, render, score, settable, pool, rules)
