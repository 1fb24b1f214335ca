"""The picture of a Markdown plan in the docs (docs/img/markdown-plan.png): what a reviewer sees on
a CI run's summary page. Not run by CI; run it by hand after changing the Markdown renderer:

    python -m tools.plan_picture [--out docs/img/markdown-plan.png] [--html plan.html]

It plays a real drift scenario against the embedded emulator: dev applied from empty, then, over
the emulator's HTTP API with callers named in unsigned tokens (as tests/cli/test_child_attribution.py
does), alice adds an RDP rule to the app NSG with the Azure CLI (`az network nsg rule create`,
a child write), bob retags the VNet in the portal, and carol leaves a public IP carrying our
ownership tags behind (not desired: a delete blocked without --prune). Then it runs
`reconcile plan --output markdown`, renders the Markdown as CommonMark with GitHub's tables and raw
HTML (markdown-it-py) in a plain page styled after a summary page (the drifted sections expanded, as
a reviewer who opened them sees them), and takes a screenshot with headless Chromium (Debian's
`chromium`; `apt-get install -y chromium fonts-noto-color-emoji`).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "markdown-plan.png"

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-dev-wus2/providers"
NSG_APP = f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-platform-app-dev-wus2"
VNET = f"{SUB}/Microsoft.Network/virtualNetworks/vnet-platform-dev-wus2"
STRAY_IP = f"{SUB}/Microsoft.Network/publicIPAddresses/pip-debug-dev"
NETWORK_API = "2024-07-01"
AZ_CLI = "AZURECLI/2.67.0 (PIP) azsdk-python-core/1.31.0 Python/3.12.7"
PORTAL = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Edg/131.0"
RDP_RULE = {"properties": {
    "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "Internet",
    "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "3389"}}
#: The sections shown expanded: the problems are open already; these are the drifted ones.
EXPANDED = ("networking&#46;nsg&#46;app", "networking&#46;vnet")
#: Our own page style (system fonts, a summary page's greys), nobody's stylesheet.
STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Noto Color Emoji";
       color: #1f2328; background: #f6f8fa; margin: 0; padding: 24px; }
main { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 24px 16px; max-width: 1060px; }
h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: 6px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 4px 12px; text-align: left; }
td:not(:first-child) { text-align: right; }
details td { text-align: left !important; }
details { margin: 6px 0; }
summary { cursor: pointer; }
pre { background: #f6f8fa; border-radius: 6px; padding: 8px 12px; font-size: 12px; white-space: pre-wrap; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: #eff1f3; padding: 1px 4px; border-radius: 4px; }
pre code { background: none; }
"""


def caller(upn: str, oid: str, agent: str) -> dict[str, str]:
    from emulator.changes import unsigned_token

    return {"Authorization": f"Bearer {unsigned_token({'oid': oid, 'upn': upn, 'idtyp': 'user'})}",
            "User-Agent": agent}


def _send(base: str, method: str, resource_id: str, headers: dict[str, str], body: Any = None) -> Any:
    import requests

    answer = requests.request(method, f"{base}{resource_id}", params={"api-version": NETWORK_API},
                              headers=headers, json=body, timeout=60)
    if answer.status_code >= 300:
        raise RuntimeError(f"{method} {resource_id}: {answer.status_code} {answer.text}")
    return answer.json() if answer.content else None


def _reconcile(*argv: str) -> str:
    """`reconcile ARGV` in this process; its stdout (its stderr is let through)."""
    from reconciler.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"reconcile {' '.join(argv)} exited {code}")
    return out.getvalue()


def drift_scenario(state: Path) -> str:
    """The Markdown plan of dev after three hands touched it (module docstring)."""
    from emulator.server import running_server

    _reconcile("apply", "--env", "dev", "--emulator-state", str(state), "--auto-approve")
    alice = caller("alice@contoso.com", "0a11ce00-0000-4000-8000-000000000001", AZ_CLI)
    bob = caller("bob@contoso.com", "0b0b0000-0000-4000-8000-000000000003", PORTAL)
    carol = caller("carol@contoso.com", "0ca401e0-0000-4000-8000-000000000005", AZ_CLI)
    with running_server(state) as server:
        base = server.base_url
        _send(base, "PUT", f"{NSG_APP}/securityRules/allow-rdp-debug", alice, RDP_RULE)
        vnet = _send(base, "GET", VNET, bob)
        vnet["tags"]["owner"] = "network-team"
        _send(base, "PUT", VNET, bob, vnet)
        tags = {"managed-by": "azure-reconciler", "reconciler-environment": "dev", "owner": "platform-team"}
        _send(base, "PUT", STRAY_IP, carol, {"location": "westus2", "tags": tags, "sku": {"name": "Standard"},
                                             "properties": {"publicIPAllocationMethod": "Static"}})
    return _reconcile("plan", "--env", "dev", "--emulator-state", str(state), "--output", "markdown")


def page(markdown: str) -> str:
    """The Markdown as a browser shows it, the drifted sections expanded."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    for address in EXPANDED:
        body = body.replace(f"<details>\n<summary>\U0001f504 <b>update in place</b> <code>{address}</code>",
                            f"<details open>\n<summary>\U0001f504 <b>update in place</b> <code>{address}</code>", 1)
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape('reconcile plan')}</title>"
            f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>")


def screenshot(html_file: Path, out: Path, size: str) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("no chromium on PATH: apt-get install -y chromium fonts-noto-color-emoji")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={size}",
             f"--screenshot={out}", html_file.as_uri()],
            check=True, capture_output=True, timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.plan_picture", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT, help="the PNG (default %(default)s)")
    p.add_argument("--html", type=Path, help="also keep the rendered page here")
    p.add_argument("--window-size", default="1120,1300", help="the browser's width,height in pixels")
    args = p.parse_args(argv)
    os.environ["RECONCILER_EMULATOR_THROTTLE"] = "0"
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE"):
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory() as work:
        markdown = drift_scenario(Path(work) / "dev.db")
        html_file = args.html or Path(work) / "plan.html"
        html_file.write_text(page(markdown), encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(html_file.resolve(), args.out.resolve(), args.window_size)
    sys.stderr.write(f"{args.out}: the Markdown plan of {len(markdown.encode())} bytes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
