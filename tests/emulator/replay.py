"""Replay recorded Azure traffic against the emulator and compare the answers.

The recordings (``tests/fixtures/recordings/`` and ``tests/fixtures/recordings2/``, see their
READMEs; any folder or ``interactions.jsonl[.gz]`` of the same format) are requests the Azure
SDK for Python's own tests sent to live ARM and the answers ARM gave. Each cassette is replayed in order against a fresh
emulator through :class:`EmulatorTransport` (the azure-core transport the SDK
clients use). An answer agrees when its status code and the presence of the
``Azure-AsyncOperation`` and ``Location`` headers are Azure's.

Polling requests name operation ids Azure made up; the replay sends them to the
URL the emulator returned in the same place instead. Time is the replay's own
clock: every LRO lasts one (virtual) second, and the clock moves on before each
request except a poll that Azure answered "still running", so each poll finds
the emulator's operation in the state Azure's was in.

``python -m tests.emulator.replay [CORPUS ...]`` prints the agreement and every difference
(default: both corpora of the fixtures; a CORPUS is a folder or an interactions file).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from azure.core.rest import HttpRequest

from emulator import Emulator, FaultConfig
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.transport import EmulatorTransport

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: The recorded corpora of the fixtures, by name.
CORPORA = {"recordings": FIXTURES / "recordings", "recordings2": FIXTURES / "recordings2"}
BASE = "https://management.azure.com"
_LRO_SECONDS = 1.0
_GROUP_API_VERSION = "2025-04-01"
_RUNNING = frozenset({"InProgress", "NotStarted", "Dequeued", "Running", "Accepted", "Creating", "Deleting", "Updating"})


@dataclass(frozen=True)
class Shape:
    """What the comparison looks at: status, and whether each LRO header is present."""

    status: int
    async_op: bool
    location: bool

    def __str__(self) -> str:
        heads = "+".join(h for h, on in (("AAO", self.async_op), ("Loc", self.location)) if on) or "-"
        return f"{self.status} {heads}"


@dataclass(frozen=True)
class Outcome:
    """One replayed request: Azure's answer and the emulator's."""

    file: str
    seq: int
    method: str
    path: str
    arm_type: str
    api_version: str
    azure: Shape
    emulator: Shape
    error_code: str

    @property
    def agrees(self) -> bool:
        return self.azure == self.emulator

    @property
    def key(self) -> str:
        """``file#seq``: how the allow-list names one request."""
        return f"{self.file}#{self.seq}"


class _Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def _interactions(corpus: Path) -> Path:
    if corpus.is_file():
        return corpus
    plain = corpus / "interactions.jsonl"
    return plain if plain.exists() else corpus / "interactions.jsonl.gz"


def load(corpus: Path = CORPORA["recordings"]) -> list[dict[str, Any]]:
    """The recorded requests of a corpus (a folder, or its interactions file, plain or gzipped),
    in recording order, with the request bodies the extraction lost put back."""
    source = _interactions(corpus)
    raw = gzip.decompress(source.read_bytes()) if source.suffix == ".gz" else source.read_bytes()
    rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    recovered_file = source.parent / "recovered_bodies.json"
    recovered: dict[str, Any] = json.loads(recovered_file.read_text()) if recovered_file.exists() else {}
    for row in rows:
        key = f"{row['file']}#{row['seq']}"
        if row.get("request_body") is None and key in recovered:
            row["request_body"] = recovered[key]
    return rows


def _cassettes(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    order: list[str] = []
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["file"] not in by_file:
            order.append(row["file"])
            by_file[row["file"]] = []
        by_file[row["file"]].append(row)
    for name in order:
        yield sorted(by_file[name], key=lambda r: int(r["seq"]))


def _azure_running(row: dict[str, Any]) -> bool:
    """Azure answered this poll with 'not finished yet'."""
    if row["status"] == 202:
        return True
    body = row.get("response_body")
    return isinstance(body, dict) and body.get("status") in _RUNNING


def _path_key(url: str) -> str:
    return unquote(urlsplit(url).path).lower().rstrip("/")


def _header(headers: Any, name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def replay(rows: list[dict[str, Any]] | None = None) -> list[Outcome]:
    """Replay every cassette against its own fresh emulator; one outcome per request."""
    rows = load() if rows is None else rows
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, cassette in enumerate(_cassettes(rows)):
            clock = _Clock()
            emulator = Emulator(
                Path(tmp) / f"replay-{number}.db",
                faults=FaultConfig(throttle=False, lro_default_seconds=_LRO_SECONDS),
                clock=clock,
            )
            try:
                outcomes.extend(_replay_cassette(emulator, clock, cassette))
            finally:
                emulator.close()
    return outcomes


def _replay_cassette(emulator: Emulator, clock: _Clock, cassette: list[dict[str, Any]]) -> Iterator[Outcome]:
    # Azure's operation URL (path, lower-cased) -> the emulator's URL for the same operation
    poll_urls: dict[str, str] = {}
    transport = EmulatorTransport(emulator)
    _create_groups(transport, cassette)
    _create_parents(transport, cassette)
    for row in cassette:
        if not (row["kind"] == "provider-op" and _azure_running(row)):
            clock.now += _LRO_SECONDS * 2
        url = f"{BASE}{quote(row['path'])}?api-version={row['api_version']}"
        if row["kind"] == "provider-op":
            url = poll_urls.get(_path_key(row["path"]), url)
        body = row.get("request_body")
        request = HttpRequest(
            row["method"],
            url,
            headers={"Content-Type": "application/json"} if body is not None else {},
            content=json.dumps(body).encode() if body is not None else None,
        )
        response = transport.send(request)
        headers = response.headers
        azure_heads = {k.lower(): v for k, v in (row.get("response_headers") or {}).items()}
        mapped: set[str] = set()
        for name in ("azure-asyncoperation", "location"):
            recorded = azure_heads.get(name)
            ours = _header(headers, name) or _header(headers, "azure-asyncoperation") or _header(headers, "location")
            # The recordings keep paths without queries: where Azure's two URLs differ only by their
            # query (Compute's `?monitor=true` Location), the polls of that path go to the status URL.
            if recorded and ours and _path_key(recorded) not in mapped:
                poll_urls[_path_key(recorded)] = ours
                mapped.add(_path_key(recorded))
        code = ""
        if response.status_code >= 400:
            try:
                code = str(json.loads(response.text())["error"]["code"])
            except (ValueError, KeyError, TypeError):
                code = ""
        yield Outcome(
            file=row["file"],
            seq=int(row["seq"]),
            method=row["method"],
            path=row["path"],
            arm_type=row["arm_type"] or "",
            api_version=row["api_version"] or "",
            azure=Shape(int(row["status"]), "azure-asyncoperation" in azure_heads, "location" in azure_heads),
            emulator=Shape(
                response.status_code,
                _header(headers, "azure-asyncoperation") is not None,
                _header(headers, "location") is not None,
            ),
            error_code=code,
        )


def _create_groups(transport: EmulatorTransport, cassette: list[dict[str, Any]]) -> None:
    """Create the resource groups the cassette uses but did not record creating.

    The SDK tests made their groups in a fixture outside the recording; Azure had them.
    """
    made: set[str] = set()
    for row in cassette:
        parts = row["path"].split("/")
        if len(parts) < 5 or parts[3].lower() != "resourcegroups":
            continue
        group = "/".join(parts[:5]).lower()
        if group in made:
            continue
        made.add(group)
        if len(parts) == 5 and row["method"] == "PUT":
            continue  # the cassette creates it itself
        request = HttpRequest(
            "PUT",
            f"{BASE}{group}?api-version={_GROUP_API_VERSION}",
            headers={"Content-Type": "application/json"},
            content=json.dumps({"location": "eastus"}).encode(),
        )
        answer = transport.send(request)
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"could not create {group}: {answer.status_code} {answer.text()}")


#: Bodies of parents made outside a recording, where Azure refuses a bare `{"location"}` body
#: (a SQL server needs an administrator: here Entra-only, as the estate's own).
_PARENT_BODIES: dict[str, dict[str, Any]] = {
    "microsoft.sql/servers": {
        "location": "eastus",
        "properties": {"administrators": {
            "administratorType": "ActiveDirectory", "azureADOnlyAuthentication": True, "principalType": "Application",
            "login": "replay-admin", "sid": "00000000-0000-0000-0000-0000000000a1",
            "tenantId": "00000000-0000-0000-0000-0000000000b2",
        }},
    },
}


def _create_parents(transport: EmulatorTransport, cassette: list[dict[str, Any]]) -> None:
    """Create parents the cassette writes children under but never created itself (Azure had them).

    The SDK tests made some parents (a SQL server) in fixtures outside the recording.
    """
    created: set[str] = set()
    for row in cassette:
        path = (row.get("resource_path") or "").lower()
        if row["kind"] != "resource" or not path:
            continue
        if row["method"] == "PUT":
            created.add(path)
        segs = path.split("/")
        if "providers" not in segs:
            continue
        at = len(segs) - 1 - segs[::-1].index("providers")
        parent = "/".join(segs[:-2])
        if len(segs) - at <= 3 or parent in created or segs[-4] == "locations":
            continue  # a region (`.../locations/eastus/deletedVaults/x`) is no resource to create
        created.add(parent)
        parent_type = "/".join([segs[at + 1], *segs[at + 2 : -2 : 2]])
        known = sorted(KNOWN_API_VERSIONS.get(parent_type, ()))
        transport.send(
            HttpRequest(
                "PUT",
                f"{BASE}{parent}?api-version={known[-1] if known else row['api_version']}",
                headers={"Content-Type": "application/json"},
                content=json.dumps(_PARENT_BODIES.get(parent_type, {"location": "eastus"})).encode(),
            )
        )


def report(outcomes: list[Outcome], allowed: frozenset[str] = frozenset()) -> str:
    """The agreement figure and one line per difference (``*`` marks allow-listed ones)."""
    agree = sum(o.agrees for o in outcomes)
    refused = sum(o.error_code == "NoRegisteredProviderFound" for o in outcomes)
    lines = [
        f"replayed {len(outcomes)} recorded ARM requests: {agree} agree with Azure "
        f"({100.0 * agree / max(len(outcomes), 1):.1f}%), {refused} refused for their api-version",
    ]
    for o in outcomes:
        if not o.agrees:
            mark = "*" if o.key in allowed else " "
            lines.append(
                f"{mark} {o.key} {o.method} {o.arm_type} {o.api_version}: azure {o.azure}, "
                f"emulator {o.emulator} {o.error_code}".rstrip()
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("corpora", nargs="*", type=Path, help="folders or interactions files (default: both fixtures)")
    args = parser.parse_args(argv)
    for corpus in args.corpora or list(CORPORA.values()):
        sys.stdout.write(f"{corpus}\n{report(replay(load(corpus)))}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
