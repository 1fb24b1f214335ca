"""The subset of KQL (Kusto Query Language) the emulator's Resource Graph understands.

Resource Graph queries are KQL (Microsoft Learn, "Understanding the Azure Resource Graph query
language", https://learn.microsoft.com/azure/governance/resource-graph/concepts/query-language).
This module parses the small part the reconciler sends into a `Query` and evaluates it over rows
(plain dicts); anything else is refused with a 400 ``BadRequest`` naming the stage, never guessed.

Grammar (case-insensitive keywords, ``'...'`` or ``"..."`` strings)::

    query   := table ( '|' stage )*
    stage   := 'where' clause ( 'and' clause )*
             | 'extend' name '=' ( 'tostring' | 'todatetime' ) '(' path ')' ( ',' ... )*
             | ( 'order' | 'sort' ) 'by' column [ 'asc' | 'desc' ]
             | 'project' column ( ',' column )*
             | ( 'limit' | 'take' ) n
    clause  := operand ( '=~' | '==' | '!=' | '!~' ) string
             | operand ( 'in~' | 'in' | '!in~' | '!in' ) '(' string ( ',' string )* ')'
             | operand ( '>' | '>=' | '<' | '<=' ) 'datetime(' iso-8601 ')'
             | ( 'isnotempty' | 'isempty' ) '(' operand ')'
    operand := column | column '[' string ']' | column '.' name | 'tostring(' operand ')'

``where`` clauses are joined by ``and`` only, so every clause of a ``where`` that comes before any
``extend`` or ``project`` constrains a base column: `Query.prefilter` hands those to the table
builder (``emulator/graph_tables.py``), which narrows its SQL before decoding a body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.errors import ArmError

_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_OPERAND = r"(?:tostring\(\s*)?[A-Za-z_]\w*(?:\s*\[\s*(?:" + _STRING + r")\s*\]|\.[A-Za-z_]\w*)*(?:\s*\))?"
_CMP = re.compile(rf"^({_OPERAND})\s*(=~|==|!=|!~)\s*({_STRING})$", re.IGNORECASE)
_IN = re.compile(rf"^({_OPERAND})\s+(!?in~?)\s*\((.*)\)$", re.IGNORECASE | re.DOTALL)
_TIME = re.compile(rf"^({_OPERAND})\s*(>=|<=|>|<)\s*datetime\(\s*([^)]+?)\s*\)$", re.IGNORECASE)
_EMPTY = re.compile(rf"^(isnotempty|isempty)\(\s*({_OPERAND})\s*\)$", re.IGNORECASE)
_EXTEND = re.compile(r"^(\w+)\s*=\s*(tostring|todatetime)\(\s*([\w.]+)\s*\)$", re.IGNORECASE)
_ORDER = re.compile(r"^(?:order|sort)\s+by\s+(\w+)(?:\s+(asc|desc))?$", re.IGNORECASE)
_STRINGS = re.compile(_STRING)
_PART = re.compile(r"\[\s*(" + _STRING + r")\s*\]|\.([A-Za-z_]\w*)")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def bad(stage: str, why: str) -> ArmError:
    """The 400 Resource Graph answers for a query it cannot run, naming the stage."""
    return ArmError(
        400,
        "BadRequest",
        f"Please provide below info when asking for support: Query is invalid: {why} "
        f"(stage '{stage.strip()[:160]}'). The emulator understands the KQL subset documented in emulator/kql.py.",
    )


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def parse_time(text: str, stage: str) -> float:
    """Seconds since the epoch of an ISO-8601 datetime literal (UTC when it has no offset)."""
    value = text.strip().strip("'\"")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise bad(stage, f"'{value}' is not a datetime") from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@dataclass(frozen=True)
class Operand:
    """A column, optionally followed by property accesses (``tags['k']``, ``properties.x``)."""

    column: str
    path: tuple[str, ...] = ()

    def value(self, row: Mapping[str, Any]) -> Any:
        value = row.get(self.column)
        for part in self.path:
            value = value.get(part) if isinstance(value, dict) else None
        return value


def _operand(text: str, stage: str) -> Operand:
    text = text.strip()
    if text.lower().startswith("tostring(") and text.endswith(")"):
        text = text[len("tostring(") : -1].strip()
    match = re.match(r"^[A-Za-z_]\w*", text)
    if match is None:
        raise bad(stage, f"'{text}' is not a column")
    rest, path = text[match.end() :], []
    for part in _PART.finditer(rest):
        path.append(_unquote(part.group(1)) if part.group(1) else part.group(2))
    if "".join(m.group(0) for m in _PART.finditer(rest)).replace(" ", "") != rest.replace(" ", ""):
        raise bad(stage, f"'{text}' is not a column or property access")
    return Operand(match.group(0), tuple(path))


def _text(value: Any) -> str:
    """KQL ``tostring``: null is the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Clause:
    """One condition of a ``where`` stage."""

    operand: Operand
    op: str  # =~ == != !~ in~ in !in~ !in > >= < <= isempty isnotempty
    values: tuple[str, ...] = ()
    bound: float = 0.0

    def test(self, row: Mapping[str, Any]) -> bool:
        value = self.operand.value(row)
        op = self.op
        if op in ("isempty", "isnotempty"):
            empty = value is None or value == "" or value == {} or value == []
            return empty if op == "isempty" else not empty
        if op in (">", ">=", "<", "<="):
            stamp = _timestamp(value)
            if stamp is None:
                return False
            return {">": stamp > self.bound, ">=": stamp >= self.bound, "<": stamp < self.bound, "<=": stamp <= self.bound}[op]
        text = _text(value)
        if op == "==":
            return text == self.values[0]
        if op == "!=":
            return text != self.values[0]
        if op == "=~":
            return text.lower() == self.values[0].lower()
        if op == "!~":
            return text.lower() != self.values[0].lower()
        found = text.lower() in {v.lower() for v in self.values} if op.endswith("~") else text in self.values
        return not found if op.startswith("!") else found


def _timestamp(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return None


def _clause(stage: str, text: str) -> Clause:
    text = text.strip()
    match = _EMPTY.match(text)
    if match is not None:
        return Clause(_operand(match.group(2), stage), match.group(1).lower())
    match = _IN.match(text)
    if match is not None:
        values = tuple(_unquote(s) for s in _STRINGS.findall(match.group(3)))
        if not values or _STRINGS.sub("", match.group(3)).replace(",", "").strip():
            raise bad(stage, f"'{text}': in~ needs a list of string literals")
        return Clause(_operand(match.group(1), stage), match.group(2).lower(), values)
    match = _TIME.match(text)
    if match is not None:
        return Clause(_operand(match.group(1), stage), match.group(2), bound=parse_time(match.group(3), stage))
    match = _CMP.match(text)
    if match is not None:
        return Clause(_operand(match.group(1), stage), match.group(2), (_unquote(match.group(3)),))
    raise bad(
        stage,
        f"where clause '{text}' is not supported (=~, ==, !=, !~ 'text'; in~/in ('a', ...); "
        "> >= < <= datetime(...); isnotempty()/isempty(); joined by 'and')",
    )


@dataclass(frozen=True)
class Stage:
    """One pipe stage after the table."""

    verb: str  # where | extend | order | project | limit
    text: str
    clauses: tuple[Clause, ...] = ()
    extends: tuple[tuple[str, str, str], ...] = ()  # (name, function, dotted path)
    columns: tuple[str, ...] = ()
    order: tuple[str, bool] = ("", True)  # (column, descending)
    count: int = 0


@dataclass(frozen=True)
class Query:
    """A parsed query: its table and stages."""

    table: str
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    @property
    def limited(self) -> bool:
        """A ``limit``/``take`` stage: Resource Graph then cannot page the result."""
        return any(s.verb == "limit" for s in self.stages)

    def output_columns(self, table_columns: Iterable[str]) -> tuple[str, ...]:
        """The columns of the result (the last ``project``, else the table's plus extensions)."""
        columns = list(table_columns)
        for stage in self.stages:
            if stage.verb == "extend":
                columns += [name for name, _, _ in stage.extends if name not in columns]
            elif stage.verb == "project":
                columns = list(stage.columns)
        return tuple(columns)

    def prefilter(self) -> list[Clause]:
        """Clauses on base columns: those of the ``where`` stages before any ``extend``/``project``."""
        out: list[Clause] = []
        for stage in self.stages:
            if stage.verb in ("extend", "project", "limit"):
                break
            if stage.verb == "where":
                out.extend(stage.clauses)
        return out

    def run(self, rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> list[Mapping[str, Any]]:
        """Evaluate over rows whose columns are `columns` (a column not among them is refused)."""
        known = set(columns)
        out: list[Mapping[str, Any]] = list(rows)
        for stage in self.stages:
            if stage.verb == "where":
                for clause in stage.clauses:
                    _check_column(stage, clause.operand.column, known)
                tests: list[Callable[[Mapping[str, Any]], bool]] = [c.test for c in stage.clauses]
                out = [r for r in out if all(t(r) for t in tests)]
            elif stage.verb == "extend":
                for name, func, path in stage.extends:
                    _check_column(stage, path.split(".")[0], known)
                    out = [_extended(r, name, func, path) for r in out]
                    known.add(name)
            elif stage.verb == "order":
                col, desc = stage.order
                _check_column(stage, col, known)
                # Ties keep the order the rows were written in (`__seq`, when the table has it).
                out.sort(key=lambda r: (_sort_key(r.get(col)), r.get("__seq") or 0), reverse=desc)
            elif stage.verb == "project":
                for col in stage.columns:
                    _check_column(stage, col, known)
                cols = stage.columns
                out = [_Projected(r, cols) for r in out]
                known = set(cols)
            elif stage.verb == "limit":
                out = out[: stage.count]
        return out


class _Projected(dict[str, Any]):
    """A projected row; the columns are read lazily from the row underneath on first use."""

    def __init__(self, row: Mapping[str, Any], columns: tuple[str, ...]) -> None:
        super().__init__()
        self._row, self._columns = row, columns

    def get(self, key: str, default: Any = None) -> Any:
        # `__`-keys are the table's own bookkeeping (the write order), never output.
        return self._row.get(key, default) if key in self._columns or key.startswith("__") else default

    def materialise(self) -> dict[str, Any]:
        return {c: self._row.get(c) for c in self._columns}


def materialise(row: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """The JSON object of one result row."""
    if isinstance(row, _Projected):
        return row.materialise()
    return {c: row.get(c) for c in columns}


def _extended(row: Mapping[str, Any], name: str, func: str, path: str) -> Mapping[str, Any]:
    value: Any = row.get(path.split(".")[0])
    for part in path.split(".")[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return _Extended(row, {name: value if func == "todatetime" else (None if value is None else _text(value))})


class _Extended(dict[str, Any]):
    """A row with extension columns, keeping the row underneath for columns not yet read."""

    def __init__(self, base: Mapping[str, Any], values: dict[str, Any]) -> None:
        super().__init__(values)
        self._base = base

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.get(self, key)
        return self._base.get(key, default)


def _sort_key(value: Any) -> tuple[int, Any]:
    stamp = _timestamp(value) if isinstance(value, str) and value[:4].isdigit() else None
    if stamp is not None:
        return (1, stamp)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, float(value))
    return (2, _text(value)) if value is not None else (0, "")  # ordinal, as KQL sorts strings


def _check_column(stage: Stage, column: str, known: set[str]) -> None:
    if column not in known:
        raise bad(stage.text, f"Failed to resolve scalar expression named '{column}'")


def _stages(query: str) -> list[str]:
    """Split on pipes outside string literals."""
    out: list[str] = []
    current: list[str] = []
    quote = ""
    for ch in query:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        if ch == "|" and not quote:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return [" ".join(s.split()) for s in out]


def _split_and(text: str) -> list[str]:
    """Split a where stage on ``and`` outside strings and parentheses."""
    parts: list[str] = []
    start = 0
    for match in _AND.finditer(text):
        head = _STRINGS.sub("", text[: match.start()])
        if "'" not in head and '"' not in head and head.count("(") == head.count(")"):
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse(query: str, tables: Iterable[str]) -> Query:
    """Parse a query over one of `tables`; a 400 naming the stage for anything outside the subset."""
    stages = _stages(query)
    table = stages[0].lower()
    allowed = sorted(tables)
    if table not in allowed:
        raise bad(stages[0], f"table '{stages[0]}' is not served; the emulator serves {', '.join(allowed)}")
    parsed: list[Stage] = []
    for text in stages[1:]:
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        if verb == "where":
            parsed.append(Stage("where", text, clauses=tuple(_clause(text, c) for c in _split_and(rest))))
        elif verb == "extend":
            extends = []
            for assignment in rest.split(","):
                match = _EXTEND.match(assignment.strip())
                if match is None:
                    raise bad(text, "extend supports name = tostring(path) or todatetime(path)")
                extends.append((match.group(1), match.group(2).lower(), match.group(3)))
            parsed.append(Stage("extend", text, extends=tuple(extends)))
        elif verb in ("order", "sort"):
            match = _ORDER.match(text)
            if match is None:
                raise bad(text, "order by supports one column, asc or desc")
            # KQL's default sort order is descending.
            parsed.append(Stage("order", text, order=(match.group(1), (match.group(2) or "desc").lower() == "desc")))
        elif verb == "project":
            cols = tuple(c.strip() for c in rest.split(",") if c.strip())
            if not cols or not all(re.fullmatch(r"[A-Za-z_]\w*", c) for c in cols):
                raise bad(text, "project supports a list of column names")
            parsed.append(Stage("project", text, columns=cols))
        elif verb in ("limit", "take"):
            try:
                count = int(rest.strip())
            except ValueError as err:
                raise bad(text, f"{verb} needs a number") from err
            parsed.append(Stage("limit", text, count=count))
        else:
            raise bad(text, f"operator '{verb}' is not supported")
    return Query(table, tuple(parsed))
