"""Generate ``emulator/data/api_versions.json.gz``: the api-versions ARM serves per type and per provider.

Sources, merged (a version counts for a type when any source shows it):

0. Every api-version published for every resource type ARM knows:
   ``tests/fixtures/arm-types/arm_types.json.gz`` (condensed from Azure/bicep-types-az, generated
   from the azure-rest-api-specs; see its README). This is the complete list; the sources below
   add what it lacks (endpoints that are no resource type: operation polls, actions, views).
1. The installed ``azure-mgmt-*`` SDKs: every request builder's default
   api-version next to its URL template (``_url = "/subscriptions/.../providers/NS/type/{name}"``),
   in every API-version folder of multi-API packages (``v2021_04_01/...``), plus
   each client configuration's default. This is what any installed SDK sends.
2. Real ARM traffic: ``tests/fixtures/recordings*/interactions.jsonl[.gz]`` (requests the
   Azure SDK for Python's tests sent to live Azure, which answered them).
3. Optionally Microsoft's REST spec examples (``--arm-examples DIR``, files with
   ``source_path`` = ``specification/.../stable|preview/{version}/examples/...`` of
   Azure/azure-rest-api-specs): the version folder each example was published in.

Per provider namespace, the union of every version any of its types is published at: what
the emulator accepts for a path of that provider that is no resource type of the index (an
action, a view such as ``virtualMachines/{name}/instanceView``, a poll), as ARM routes those by
the provider's registration.

Run: ``python -m emulator.tools.gen_api_versions [--arm-examples DIR] [--output FILE]`` (rewrites the file).
The emulator only reads the data; it never imports this module.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
OUT = _ROOT / "emulator" / "data" / "api_versions.json.gz"
RECORDINGS = (_ROOT / "tests" / "fixtures" / "recordings" / "interactions.jsonl",
              _ROOT / "tests" / "fixtures" / "recordings2" / "interactions.jsonl.gz")
ARM_TYPES = _ROOT / "tests" / "fixtures" / "arm-types" / "arm_types.json.gz"
_VERSION = r"\d{4}-\d{2}-\d{2}(?:-[A-Za-z]+)?"
_BUILDER_VERSION = re.compile(r"""["']api-version["']\s*,\s*["'](""" + _VERSION + r""")["']""")
_KWARG_VERSION = re.compile(r"""kwargs\.pop\(\s*["']api_version["']\s*,\s*["'](""" + _VERSION + r""")["']""")
_URL = re.compile(r"""_url\s*=\s*(?:kwargs\.pop\(\s*["']template_url["']\s*,\s*)?["'](/[^"']+)["']""")
_FOLDER = re.compile(r"/v(\d{4})_(\d{2})_(\d{2})(_preview)?/")


def type_of_path(path: str) -> str | None:
    """``.../providers/Microsoft.Network/virtualNetworks/{x}/subnets/{y}`` -> ``microsoft.network/virtualnetworks/subnets``."""
    segs = [s for s in path.split("?")[0].split("/") if s]
    low = [s.lower() for s in segs]
    if not low:
        return None  # an empty id (REST examples write `"id": ""` for an unset reference)
    if low[-1] == "resources" and "providers" not in low:
        return "microsoft.resources/resources"  # the generic listing of a subscription or group
    if "providers" not in low:
        if len(segs) in (3, 4) and low[0] == "subscriptions" and low[2] == "resourcegroups":
            return "microsoft.resources/resourcegroups"
        return None
    at = len(low) - 1 - low[::-1].index("providers")
    tail = low[at + 1 :]
    if len(tail) < 2 or "{" in tail[0]:
        return None
    kinds = [tail[0], *tail[1::2]]
    if kinds[-1] == "{recordtype}" and "{" not in "".join(kinds[:-1]):
        return "/".join(kinds)  # a DNS record set of any record type: expanded by `types_of_path`
    if any("{" in k for k in kinds):
        return None
    return "/".join(kinds)


#: The values of the DNS and Private DNS SDKs' ``{recordType}`` path segment (REST specs
#: dns.json / privatedns.json, enum ``RecordType``): each record set type is its own ARM type.
_RECORD_TYPES = ("a", "aaaa", "caa", "cname", "mx", "ns", "ptr", "soa", "srv", "txt")


def types_of_path(path: str) -> list[str]:
    """The ARM types a URL template addresses: one, or one per record type for ``{recordType}``."""
    arm_type = type_of_path(path)
    if arm_type is None:
        return []
    if arm_type.endswith("/{recordtype}"):
        return [arm_type.replace("{recordtype}", kind) for kind in _RECORD_TYPES]
    return [arm_type]


def _config_default(package_dir: Path) -> str | None:
    config = package_dir / "_configuration.py"
    if not config.is_file():
        return None
    found = _KWARG_VERSION.search(config.read_text(encoding="utf-8", errors="replace"))
    return found.group(1) if found else None


def from_sdks(site_packages: Path, out: dict[str, set[str]]) -> None:
    """Every (type, default api-version) of every request builder of the installed SDKs."""
    mgmt = site_packages / "azure" / "mgmt"
    for source in sorted(mgmt.rglob("*.py")):
        if "/aio/" in str(source) or "/models/" in str(source) or "/tests/" in str(source):
            continue
        text = source.read_text(encoding="utf-8", errors="replace")
        if "_url" not in text:
            continue
        folder = _FOLDER.search(str(source))
        folder_version = None
        if folder:
            folder_version = f"{folder.group(1)}-{folder.group(2)}-{folder.group(3)}" + ("-preview" if folder.group(4) else "")
        fallback = folder_version
        if fallback is None:
            package = source.parent.parent if source.parent.name == "operations" else source.parent
            fallback = _config_default(package)
        for block in re.split(r"\ndef ", text):
            urls = _URL.findall(block)
            if not urls:
                continue
            versions = set(_BUILDER_VERSION.findall(block)) | set(_KWARG_VERSION.findall(block))
            if not versions and fallback:
                versions = {fallback}
            for url in urls:
                for arm_type in types_of_path(url):
                    out[arm_type].update(versions)


def read_text(path: Path) -> str:
    """A fixture's text, gzipped or not."""
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")


def from_arm_types(path: Path, out: dict[str, set[str]]) -> None:
    """Every api-version each resource type is published at (all definitions of the type)."""
    index = json.loads(read_text(path))
    for arm_type, definitions in index["types"].items():
        for definition in definitions:
            out[arm_type.lower()].update(definition["apiVersions"])


def from_recordings(path: Path, out: dict[str, set[str]]) -> None:
    """The api-versions real ARM answered (anything but NoRegisteredProviderFound) in the recordings."""
    for line in read_text(path).splitlines():
        if line.strip():
            row = json.loads(line)
            version = row.get("api_version") or ""
            body = row.get("response_body")
            refused = isinstance(body, dict) and str((body.get("error") or {}).get("code", "")) in (
                "NoRegisteredProviderFound",
                "InvalidApiVersionParameter",
            )
            if re.fullmatch(_VERSION, version) and not refused:
                for arm_type in types_of_path(row["path"]):
                    out[arm_type].add(version)


def by_provider(found: dict[str, set[str]]) -> dict[str, list[str]]:
    """Per provider namespace, every version any of its types is served at."""
    providers: dict[str, set[str]] = defaultdict(set)
    for arm_type, versions in found.items():
        if "/" in arm_type:
            providers[arm_type.split("/", 1)[0]].update(versions)
    return {k: sorted(v) for k, v in sorted(providers.items()) if v}


def _ids(node: object) -> list[str]:
    """Every ``id`` string in a response body (items of ``value`` lists included)."""
    if isinstance(node, dict):
        own = [str(node["id"])] if isinstance(node.get("id"), str) else []
        return own + [i for v in node.values() for i in _ids(v)]
    if isinstance(node, list):
        return [i for v in node for i in _ids(v)]
    return []


def from_arm_examples(folder: Path, out: dict[str, set[str]]) -> None:
    """The spec version folder of each example, for the type the file is named after
    (`<Namespace>__<type>[__<child>]__<op>.json`) and the types of its response ids
    (an example's ids can name another type: the static site custom domain examples
    answer `staticSitesBuilds`)."""
    for file in sorted(folder.glob("*.json")):
        data = json.loads(file.read_text())
        version = data.get("api_version") or ""
        if not re.fullmatch(_VERSION, version):
            continue
        if "__" in file.stem:
            out["/".join(file.stem.split("__")[:-1]).lower()].add(version)
        for rid in _ids((data.get("example") or {}).get("responses")):
            for arm_type in types_of_path(rid):
                out[arm_type].add(version)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site-packages", type=Path, default=None, help="where azure/mgmt is installed")
    parser.add_argument("--arm-examples", type=Path, default=None, help="a folder of REST spec examples")
    parser.add_argument("--arm-types", type=Path, default=ARM_TYPES, help="the condensed ARM type index")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    site = args.site_packages or next(Path(p) for p in sys.path if (Path(p) / "azure" / "mgmt").is_dir())
    found: dict[str, set[str]] = defaultdict(set)
    from_arm_types(args.arm_types, found)
    from_sdks(site, found)
    for recordings in RECORDINGS:
        from_recordings(recordings, found)
    if args.arm_examples is not None:
        from_arm_examples(args.arm_examples, found)
    payload = {
        "generated_by": "python -m emulator.tools.gen_api_versions",
        "sources": [
            "tests/fixtures/arm-types/arm_types.json.gz (every published type and api-version, Azure/bicep-types-az)",
            "installed azure-mgmt-* SDK request builders (every API-version folder)",
            "tests/fixtures/recordings*/interactions.jsonl[.gz] (live ARM traffic)",
            "Azure/azure-rest-api-specs examples (version folder of each example)",
        ],
        "types": {k: sorted(v) for k, v in sorted(found.items()) if v},
        "providers": by_provider(found),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=0, sort_keys=True) + "\n"
    args.output.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    sys.stdout.write(f"{args.output}: {len(payload['types'])} types\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
