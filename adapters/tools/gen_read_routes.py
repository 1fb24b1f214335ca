"""Generate `adapters/read_routes.py`: for each declared ARM type, the request
its SDK read sends, where that request is a plain GET that the generic
resources client can send as well, so a read does not import the type's SDK
package (issue 14, point 8: building one azure-mgmt client imports its whole
`operations` module, 0.1-0.4 s each; a dry run of dev reads 17 packages).

    python -m adapters.tools.gen_read_routes [--check]

The facts come from the installed SDKs themselves: each entry's `get` (and
its sibling `list`, adapters/siblings.py) is called through a transport that
records the request and sends nothing. A type is listed only when the GET's
path is the resource id exactly (a list: the id without its name); the
api-version and any other query the SDK sends (API Management policies'
`format=xml`, role assignments' `$filter=atScope()`) are kept with it. `--check` exits 1 when the
file is stale (an SDK upgrade moved an api-version); a test runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from azure.core.pipeline.transport import HttpTransport

from adapters.arm_id import arguments
from adapters.arm_type import ArmType
from adapters.clients import ClientFactory
from adapters.registry import ENTRIES
from adapters.siblings import LIST_OPERATIONS

OUTPUT = Path(__file__).resolve().parents[1] / "read_routes.py"
_SUB = "00000000-0000-0000-0000-000000000000"


class _Recorded(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("recorded")
        self.request = request


class _Recorder(HttpTransport[Any, Any]):
    """Records the first request and fails it, so nothing is sent anywhere."""

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def send(self, request: Any, **kwargs: Any) -> Any:
        raise _Recorded(request)


#: The names `sample_id` gives: subscription, group, then one per type segment.
_SAMPLE_NAMES = frozenset({_SUB, "rg1", *(f"n{i}" for i in range(1, 10))})
SCOPE = "{scope}"
SUBSCRIPTION = "{subscription}"


def sample_id(entry: ArmType) -> str:
    """An id of the entry's type with plain names (n1, n2, ...)."""
    group = f"/subscriptions/{_SUB}/resourceGroups/rg1"
    if entry.arm_type.lower() == "microsoft.resources/resourcegroups":
        return group
    provider, *segments = entry.arm_type.split("/")
    path = f"{group}/providers/{provider}"
    for i, segment in enumerate(segments, start=1):
        path += f"/{segment}/n{i}"
    return path


def _record(method: Any, args: list[str], kwargs: dict[str, Any], *, pager: bool = False) -> Any:
    """The request `method(*args, **kwargs)` sends first (for a list: its first page)."""
    try:
        result = method(*args, **kwargs)
        if pager:
            next(result.by_page())
    except _Recorded as recorded:
        return recorded.request
    return None


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def template(entry: ArmType, sent_path: str, sample: str) -> tuple[str, str] | None:
    """(the SDK's path template, what it adds after the id): `*` for each name
    taken from the id, `{subscription}` for the client's subscription,
    `{scope}` for an extension resource's scope; a name the
    SDK fixes (a storage account's `blobServices/default`, App Service's
    `config/appsettings`) stays as the SDK sends it; an action after the id
    (`/list`) is the suffix. None when the SDK's path is not the id's shape."""
    prefix = ""
    if "scope" in entry.args:
        scope = "/" + arguments(sample, ("scope",))[0]
        if not (sent_path.startswith(scope + "/") and sample.startswith(scope + "/")):
            return None
        prefix, sent_path, sample = SCOPE, sent_path[len(scope):], sample[len(scope):]
    sent, wanted = sent_path.split("/"), sample.split("/")
    if len(sent) < len(wanted):
        return None
    sent, extra = sent[: len(wanted)], sent[len(wanted):]
    if any(part in _SAMPLE_NAMES for part in extra):
        return None
    out = []
    for got, want in zip(sent, wanted, strict=True):
        if want == _SUB:
            # The SDK takes the subscription from its client, not from the id.
            out.append(SUBSCRIPTION if got == _SUB else got)
        elif want in _SAMPLE_NAMES:
            if got == want:
                out.append("*")
            elif got in _SAMPLE_NAMES:
                return None  # another argument in this place
            else:
                out.append(got)  # a name fixed in the SDK's URL
        elif got != want:
            return None
        else:
            out.append(got)
    return prefix + "/".join(out), "".join(f"/{part}" for part in extra)


#: (method, path template, suffix after the id, api-version, other query).
Route = tuple[str, str, str, str, dict[str, str]]
#: (path template, api-version, other query) of a list.
ListRoute = tuple[str, str, dict[str, str]]


def _route(entry: ArmType, request: Any, sample: str) -> Route | None:
    body = getattr(request, "body", None) or getattr(request, "content", None)
    if request is None or request.method not in ("GET", "POST") or body:
        return None
    shape = template(entry, urlsplit(request.url).path, sample)
    query = _query(request.url)
    version = query.pop("api-version", None)
    return (request.method, shape[0], shape[1], version, query) if shape and version else None


def routes() -> tuple[dict[str, list[Route]], dict[str, ListRoute]]:
    """(type -> the routes of its reads, type -> its sibling list's route), from the SDKs."""
    factory = ClientFactory.for_transport(_SUB, _Recorder())
    gets: dict[str, list[Route]] = {}
    lists: dict[str, ListRoute] = {}
    for key, entry in sorted(ENTRIES.items()):
        if entry.service == "resource":
            continue  # already the generic client
        rid = sample_id(entry)
        try:
            args = arguments(rid, entry.args)
        except Exception:
            continue
        operations = getattr(factory.client(entry.service), entry.operations)
        # An entry whose operations differ by name: one route per name, each with its fixed name.
        variants = [entry.for_name(name) for name in entry.by_name] + [entry]
        # Extra arguments of the read (a workbook's `can_fetch_content`) are sent as the SDK sends them.
        found = [_route(v, _record(getattr(operations, v.get), args, dict(v.get_kwargs)), rid) for v in variants]
        got = [route for route in found if route is not None]
        if not got:
            continue
        gets[key] = got
        listing = LIST_OPERATIONS.get(key)
        if listing is None or entry.by_name or entry.get_kwargs or entry.args[-1] != "name" or got[0][:3:2] != ("GET", ""):
            continue
        request = _record(getattr(operations, listing[0]), args[:-1], dict(listing[1]), pager=True)
        listed = _route(entry, request, rid.rsplit("/", 1)[0])
        if listed is not None and listed[0] == "GET" and not listed[2] and listed[1] == got[0][1].rsplit("/", 1)[0]:
            lists[key] = (listed[1], listed[3], listed[4])
    return gets, lists


def render(gets: dict[str, list[Route]], lists: dict[str, ListRoute]) -> str:
    lines = [
        '"""Generated by `python -m adapters.tools.gen_read_routes` from the installed',
        "azure-mgmt SDKs; do not edit. The reads of these types are sent by the generic",
        "resources client (adapters/generic.py, adapters/siblings.py) exactly as the",
        'type\'s own SDK sends them, so a read imports no per-service SDK package."""',
        "",
        "#: Lower-cased ARM type -> its reads: (method, path template, suffix after the id,",
        "#: api-version, other query); `*` is a name of the id, `{subscription}` the client's",
        "#: subscription, `{scope}` an extension resource's scope, any other segment is sent",
        "#: as it stands (a name the SDK fixes).",
        "GET_ROUTES: dict[str, list[tuple[str, str, str, str, dict[str, str]]]] = {",
        *(f"    {k!r}: {v!r}," for k, v in sorted(gets.items())),
        "}",
        "",
        "#: Lower-cased ARM type -> (path template, api-version, other query) of its sibling",
        "#: list: the GET's template without its last name.",
        "LIST_ROUTES: dict[str, tuple[str, str, dict[str, str]]] = {",
        *(f"    {k!r}: ({t!r}, {v!r}, {q!r})," for k, (t, v, q) in sorted(lists.items())),
        "}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.tools.gen_read_routes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when adapters/read_routes.py is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write (default %(default)s)")
    args = parser.parse_args(argv)
    text = render(*routes())
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run python -m adapters.tools.gen_read_routes", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
