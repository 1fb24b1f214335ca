"""The results table (Markdown, so bench/README.md can hold it as printed)."""

from __future__ import annotations

from typing import Any

#: Figures shown per item besides its targets: (figure key, label).
HEADLINES: dict[str, tuple[tuple[str, str], ...]] = {
    "noop": (
        ("resources", "desired resources"),
        ("per_resource_wall_s", "per-resource: wall time of observe + plan at 0 ms (s)"),
        ("per_resource_round_trips", "per-resource: round trips by the wall clock"),
        ("per_resource_arm_requests", "per-resource: ARM requests"),
        ("per_resource_read_floor", "per-resource: the estate's read floor (bench/read_floor.py)"),
        ("graph_wall_s", "graph: wall time of observe + plan at 0 ms (s)"),
        ("graph_round_trips", "graph: round trips by the wall clock"),
        ("graph_arm_requests", "graph: ARM requests"),
        ("graph_read_floor", "graph: the estate's read floor (bench/read_floor.py)"),
        ("graph_graph_queries", "graph: Resource Graph queries"),
    ),
    "apply_lro": (
        ("wall_s", "wall time (s)"),
        ("critical_path_s", "critical-path bound (s)"),
        ("observe_s", "of which observe (s)"),
        ("plan_s", "of which plan (s)"),
        ("slowest_lro_sent_at_s", "slowest LRO sent at (s)"),
    ),
    "throttled": (
        ("reads", "reads sent"),
        ("bucket", "read bucket (scaled)"),
        ("wall_s", "wall time (s)"),
        ("bucket_allows_s", "time the bucket allows (s)"),
    ),
    "startup": (
        ("help_s", "`reconcile --help` (s)"),
        ("dry_run_dev_s", "`reconcile --dry-run --env dev` (s)"),
    ),
    "graph": (
        ("per_resource_wall_s", "per-resource no-op: wall (s)"),
        ("per_resource_arm_reads", "per-resource no-op: ARM reads"),
        ("graph_wall_s", "graph no-op (relist): wall (s)"),
        ("graph_arm_reads", "graph no-op: ARM reads"),
        ("feed_arm_reads", "feed cycle (children via the Activity Log): ARM reads"),
        ("every_cycle_arm_reads", "feed cycle, every child re-listed: ARM reads"),
    ),
    "graph_detection": (
        ("resources", "resources"),
        ("staleness_s", "Resource Graph lag = observer allowance (s)"),
        ("interval_s", "cycle interval (s)"),
        ("detected_in_cycle", "changes first planned, by cycle"),
    ),
    "soak": (
        ("seconds_per_cycle", "seconds per cycle"),
        ("rss_mib_by_cycle", "RSS by cycle (MiB)"),
        ("emulator_request_log_mib", "of which the emulator's request log (MiB)"),
        ("rss_growth_pct_without_emulator_log", "RSS growth without that log (%)"),
    ),
}

_NUMBERS = {"1": "1. No-op dry run", "2": "2. Apply from empty", "3": "3. Scale", "4": "4. Throttled",
            "5": "5. Start-up", "6": "6. Soak", "7": "7. Observe modes",
            "8": "8. Detection under a 30 s lag"}
_ORDER = {"noop": "1", "apply_lro": "2", "scale": "3", "throttled": "4", "startup": "5", "soak": "6", "graph": "7",
          "graph_detection": "8"}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    return str(value)


def _scale_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for size, f in figures.get("sizes", {}).items():
        rows.append((f"{size} resources: wall / CPU (s), requests, peak traced / RSS (MiB)",
                     f"{_fmt(f['wall_s'])} / {_fmt(f['cpu_s'])}, {_fmt(f['arm_requests'])}, "
                     f"{_fmt(f['peak_traced_mib'])} / {_fmt(f['rss_mib_after'])}"))
    for size, f in figures.get("cells_of_100", {}).items():
        rows.append((f"(not a target) {size} in groups of 100: wall / CPU (s), CPU ms/resource",
                     f"{_fmt(f['wall_s'])} / {_fmt(f['cpu_s'])}, {_fmt(f['cpu_ms_per_resource'])}"))
    for key, value in figures.items():
        if key.startswith("cells_cpu_growth_"):
            small, _, large = key.removeprefix("cells_cpu_growth_").partition("_to_")
            rows.append((f"(not a target) groups of 100, CPU growth / size growth, {small} -> {large}",
                         _fmt(round(value / (int(large) / int(small)), 3))))
    return rows


def render(report: dict[str, Any]) -> str:
    """The whole table, with the machine and date above it."""
    m = report["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpus']} CPUs ({m['cpu_model'] or 'unknown CPU'}), Python {m['python']}"
        + (" (--quick)" if report.get("quick") else "") + f"; suite {report['suite_seconds']} s.",
        "",
        "| Item | Measure | Value | Target | Met |",
        "|---|---|---|---|---|",
    ]
    for result in report["items"]:
        label = _NUMBERS.get(_ORDER.get(result["item"], ""), result["item"])
        if result.get("error"):
            lines.append(f"| {label} | error | {result['error']} | | no |")
            continue
        figures = result.get("figures", {})
        rows = [(text, _fmt(figures[key])) for key, text in HEADLINES.get(result["item"], ()) if key in figures]
        if result["item"] == "scale":
            rows += _scale_rows(figures)
        for text, value in rows:
            lines.append(f"| {label} | {text} | {value} | | |")
        for target in result.get("targets", []):
            limit = f"{target['comparison']} {_fmt(target['limit'])} {target.get('unit', '')}".strip()
            met = "yes" if target["met"] else "**no**"
            lines.append(f"| {label} | {target['name']} | {_fmt(target['value'])} | {limit} | {met} |")
    cost = report.get("emulator_cost")
    if cost:
        if "error" in cost:
            lines.append(f"| Emulator | CPU per request | error: {cost['error']} | < 1 ms | no |")
        else:
            met = "yes" if cost["met"] else "**no**"
            lines.append(f"| Emulator | CPU per request (ms, emulator_cost.py) | "
                         f"{_fmt(cost['emulator_cpu_ms_per_request'])} | < 1 | {met} |")
    return "\n".join(lines)
