"""Saved plans end to end: real `reconcile` processes (`--dry-run --out`,
`apply`, `show-plan`) against `reconcile emulator serve` over HTTP; changes
"from outside" are plain HTTP requests to the served emulator, as someone in
the portal would make them between the review and the apply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from desired_state import build
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.request_log import clear_request_log, read_request_log
from reconciler.cli.plan_guard import LiveGuard
from reconciler.cli.planfile import content_digest, load
from reconciler.engine.plan import Change
from reconciler.engine.session import open_session
from tests.estates import AppliedEstates
from tests.reliability.bad_inputs import clean_environment
from tests.reliability.secrets_scan import Collected, secret_values

ROOT = Path(__file__).resolve().parents[2]
SUB = "00000000-0000-0000-0000-000000000000"
WRITES = {"PUT", "PATCH", "DELETE", "POST"}


def run(workdir: Path, *argv: str, env: dict[str, str] | None = None, module: str = "reconciler.cli") -> tuple[int, str, str]:
    """One real CLI process in `workdir`, with a clean environment."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *argv], cwd=workdir,
        env=clean_environment(workdir, (("RECONCILER_EMULATOR_THROTTLE", "0"), *(env or {}).items())),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


class Emulator:
    """`reconcile emulator serve` in its own process, and a portal user's HTTP calls to it."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", "emulator", "serve", "--state", str(state), "--port", "0",
             "--no-throttle"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().rsplit(" ", 1)[-1].strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.headers = {"Authorization": "Bearer portal-user", "Content-Type": "application/json"}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def _url(self, rid: str, arm_type: str) -> str:
        version = sorted(KNOWN_API_VERSIONS.get(arm_type.lower(), {"2024-01-01"}))[-1]
        return f"{self.url}{rid}?api-version={version}"

    def get(self, address: str) -> dict[str, Any]:
        r = resource(address)
        answer = requests.get(self._url(r.id, r.type), headers=self.headers, timeout=10)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def change(self, address: str, path: str, value: Any) -> None:
        """Set one field of the live resource, as in the portal (GET, edit, PUT)."""
        r = resource(address)
        body = self.get(address)
        node = body
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        answer = requests.put(self._url(r.id, r.type), headers=self.headers, data=json.dumps(body), timeout=10)
        assert answer.status_code in (200, 201, 202), answer.text

    def put(self, rid: str, arm_type: str, body: dict[str, Any]) -> None:
        answer = requests.put(self._url(rid, arm_type), headers=self.headers, data=json.dumps(body), timeout=10)
        assert answer.status_code in (200, 201, 202), answer.text

    def exists(self, rid: str, arm_type: str) -> bool:
        answer = requests.get(self._url(rid, arm_type), headers=self.headers, timeout=10)
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200

    def delete(self, address: str) -> None:
        r = resource(address)
        answer = requests.delete(self._url(r.id, r.type), headers=self.headers, timeout=10)
        assert answer.status_code in (200, 202, 204), answer.text

    def requests(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in read_request_log(self.state)]

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in read_request_log(self.state) if r.method in WRITES]


def resource(address: str, env: str = "dev") -> Any:
    return build(env).by_address(address)


@pytest.fixture
def applied_dev(applied_estates: AppliedEstates) -> Path:
    """A state file holding dev, applied from empty once for the session by the real CLI
    (tests/estates.py, shared with the other tests); never written."""
    estate = applied_estates["dev"]
    assert estate.exit_code == 0, estate.output
    return estate.template


@pytest.fixture
def emulator(applied_dev: Path, tmp_path: Path) -> Iterator[Emulator]:
    state = tmp_path / "dev.db"
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(applied_dev) + suffix)
        if src.exists():
            shutil.copy(src, str(state) + suffix)
    clear_request_log(state)
    served = Emulator(state)
    try:
        yield served
    finally:
        served.close()


def save_plan(workdir: Path, emulator: Emulator, name: str = "plan.json", env: str = "dev",
              extra: dict[str, str] | None = None) -> tuple[Path, dict[str, Any], str]:
    path = workdir / name
    code, out, err = run(workdir, "--dry-run", "--env", env, "--emulator-url", emulator.url, "--out", name, env=extra)
    assert code == 0, out + err
    assert f"Saved plan: {name}" in out
    document: dict[str, Any] = json.loads(path.read_text())
    return path, document, out


def planned(document: dict[str, Any]) -> list[str]:
    return [c["address"] for c in document["changes"] if "live" in c]


# -- a plan applied as saved ----------------------------------------------------------------------


def test_a_saved_plan_applied_with_no_change_in_between_converges_with_as_many_writes_as_it_lists(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)
    emulator.change("networking.vnet", "tags.added-by-hand", "yes")
    emulator.delete("messaging.queue.etl")
    _, document, _ = save_plan(tmp_path, emulator)
    assert sorted(planned(document)) == ["messaging.queue.etl", "messaging.queue.orders", "networking.vnet"]
    actions = {c["address"]: c["action"] for c in document["changes"] if "live" in c}
    assert actions["messaging.queue.etl"] == "create"
    assert document["changes"][0]["address"] and document["summary"]["update"] == 2
    clear_request_log(emulator.state)

    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url)
    assert code == 0, out + err
    assert "Apply complete: 3 applied, 0 failed (0 stale), 0 skipped." in out
    assert len(emulator.writes()) == len(planned(document)) == 3

    code, out, err = run(tmp_path, "--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-url", emulator.url)
    assert code == 0, out + err
    assert "No changes. dev matches the desired state" in out


def test_only_the_planned_changes_are_applied_not_drift_that_appeared_after_the_review(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)
    _, document, _ = save_plan(tmp_path, emulator)
    assert planned(document) == ["messaging.queue.orders"]
    # After the review someone changes a resource the plan did not touch.
    emulator.change("messaging.queue.thirdparty", "properties.maxDeliveryCount", 23)
    clear_request_log(emulator.state)
    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url)
    assert code == 0, out + err
    assert [w.split(" ")[0] for w in emulator.writes()] == ["PUT"]
    assert emulator.writes()[0].lower().endswith("/queues/orders-queue")
    assert emulator.get("messaging.queue.thirdparty")["properties"]["maxDeliveryCount"] == 23


# -- stale resources --------------------------------------------------------------------------------


def test_an_out_of_band_change_after_saving_refuses_that_write_skips_its_dependents_and_applies_the_rest(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.change("messaging.namespace", "tags.hand", "1")  # a type guarded by its etag
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)  # depends on the namespace
    emulator.change("etl.storage", "tags.hand", "1")  # a type without etag: guarded by a digest
    emulator.change("networking.vnet", "tags.hand", "1")
    _, document, _ = save_plan(tmp_path, emulator)
    assert sorted(planned(document)) == ["etl.storage", "messaging.namespace", "messaging.queue.orders", "networking.vnet"]
    seen = {c["address"]: c["live"] for c in document["changes"] if "live" in c}
    assert "etag" in seen["messaging.namespace"] and "digest" in seen["etl.storage"]
    assert "messaging.namespace" in resource("messaging.queue.orders").depends_on

    emulator.change("messaging.namespace", "tags.hand", "2")
    emulator.change("etl.storage", "tags.other", "x")
    clear_request_log(emulator.state)
    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url)
    assert code == 1, out + err
    assert "Apply complete: 1 applied, 2 failed (2 stale), 1 skipped." in out
    assert "! messaging.namespace: StaleResource: changed since the plan was saved (changed paths: tags.hand)" in out
    assert "! etl.storage: StaleResource: changed since the plan was saved (changed paths: tags.other)" in out
    assert "- messaging.queue.orders: skipped (depends on messaging.namespace)" in out
    # Only the VNet was written; nothing the other writers did was overwritten.
    assert len(emulator.writes()) == 1 and "/virtualnetworks/" in emulator.writes()[0].lower()
    assert "hand" not in emulator.get("networking.vnet")["tags"]
    assert emulator.get("messaging.namespace")["tags"]["hand"] == "2"
    assert emulator.get("etl.storage")["tags"] == {**resource("etl.storage").body["tags"], "hand": "1", "other": "x"}
    assert emulator.get("messaging.queue.orders")["properties"]["maxDeliveryCount"] == 17


def test_a_resource_deleted_after_saving_is_not_recreated(emulator: Emulator, tmp_path: Path) -> None:
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)
    save_plan(tmp_path, emulator)
    emulator.delete("messaging.queue.orders")
    clear_request_log(emulator.state)
    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url)
    assert code == 1, out + err
    assert "! messaging.queue.orders: StaleResource: changed since the plan was saved (deleted since the plan)" in out
    assert emulator.writes() == []


def test_a_secret_that_differs_from_the_plans_fingerprint_is_refused_as_stale(emulator: Emulator, tmp_path: Path) -> None:
    # The third-party API key is a Key Vault secret whose value comes from the environment (issue 11).
    reviewed = {"THIRDPARTY_API_KEY": "Reviewed-thirdparty-key-1"}
    emulator.change("functions.app.thirdparty_sync", "tags.hand", "1")
    _, document, _ = save_plan(tmp_path, emulator, extra=reviewed)
    assert {"security.secret.thirdparty_api_key", "functions.app.thirdparty_sync"} <= set(planned(document))
    secret = next(c for c in document["changes"] if c["address"] == "security.secret.thirdparty_api_key")
    assert secret["secret_fingerprint"]
    clear_request_log(emulator.state)

    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url,
                         env={"THIRDPARTY_API_KEY": "Another-thirdparty-key-2"})
    assert code == 1, out + err
    assert "! security.secret.thirdparty_api_key: StaleResource: changed since the plan was saved (secret values differ" in out
    assert "- functions.app.thirdparty_sync: skipped (depends on security.secret.thirdparty_api_key)" in out
    assert not [w for w in emulator.writes() if "/secrets/" in w.lower() or "/sites/" in w.lower()]
    # With the reviewed secret the same plan still applies.
    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url, env=reviewed)
    assert code == 0, out + err
    assert "0 failed (0 stale), 0 skipped." in out


def test_a_saved_prune_deletes_only_what_is_unchanged_since_the_plan(emulator: Emulator, tmp_path: Path) -> None:
    vnet = resource("networking.vnet")
    group = vnet.id.split("/providers/")[0]
    ip_type = "Microsoft.Network/publicIPAddresses"
    strays = [f"{group}/providers/{ip_type}/pip-no-longer-desired-{n}" for n in (1, 2)]
    for rid in strays:
        emulator.put(rid, ip_type, {"location": "westus2", "tags": dict(vnet.body["tags"]), "sku": {"name": "Standard"},
                                    "properties": {"publicIPAllocationMethod": "Static"}})
    code, out, err = run(tmp_path, "--dry-run", "--prune", "--env", "dev", "--emulator-url", emulator.url,
                         "--out", "plan.json")
    assert code == 0, out + err
    document = json.loads((tmp_path / "plan.json").read_text())
    assert sorted(planned(document)) == [f"pruned:{rid}" for rid in strays]
    assert document["options"]["prune"] is True
    # Someone starts using the second address after the review.
    emulator.put(strays[1], ip_type, {"location": "westus2", "tags": {**vnet.body["tags"], "in-use": "yes"},
                                      "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}})
    clear_request_log(emulator.state)
    code, out, err = run(tmp_path, "apply", "plan.json", "--emulator-url", emulator.url)
    assert code == 1, out + err
    assert f"! pruned:{strays[1]}: StaleResource: changed since the plan was saved" in out
    assert not emulator.exists(strays[0], ip_type)
    assert emulator.exists(strays[1], ip_type)
    assert [w.split(" ")[0] for w in emulator.writes()] == ["DELETE"]


def test_a_change_between_the_check_and_the_write_is_a_412_and_not_retried(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write carries If-Match with the saved etag: another writer landing
    in the instant after the check is refused by ARM (412), and the saved plan
    does not re-read and retry as a normal run would. In process, to place the
    other writer's PUT exactly between the check and the write."""
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)
    save_plan(tmp_path, emulator)
    monkeypatch.chdir(tmp_path)
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_FINGERPRINT_KEY"):
        monkeypatch.delenv(name, raising=False)
    saved = load(tmp_path / "plan.json")
    session = open_session("dev", emulator_url=emulator.url)

    class OtherWriterAfterTheCheck(LiveGuard):
        def __call__(self, change: Change, snapshot: Mapping[str, Any]) -> Any:
            live = super().__call__(change, snapshot)
            emulator.change(change.address, "properties.maxDeliveryCount", 31)
            return live

    engine = session.engine
    observation = engine.observe(["messaging.namespace", "messaging.queue.orders"], prune_scan=False)
    clear_request_log(emulator.state)
    result = engine.apply(saved.plan(), observation, check=OtherWriterAfterTheCheck(engine, saved))
    assert list(result.failed) == ["messaging.queue.orders"]
    assert "412 Precondition Failed" in result.failed["messaging.queue.orders"].message
    assert result.failed["messaging.queue.orders"].reason == "stale"
    assert emulator.get("messaging.queue.orders")["properties"]["maxDeliveryCount"] == 31
    # Two PUTs: the other writer's, and ours refused; no retry.
    assert [w.split(" ")[0] for w in emulator.writes()] == ["PUT", "PUT"]


# -- refused before any call ------------------------------------------------------------------------


def resign(document: dict[str, Any], path: Path) -> None:
    """Write `document` back with a valid digest (the emulator's key: its subscription id)."""
    document["content_digest"] = content_digest(document, SUB.encode())
    path.write_text(json.dumps(document))


def test_plans_that_do_not_fit_this_run_are_refused_before_any_call(emulator: Emulator, tmp_path: Path) -> None:
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)
    path, document, _ = save_plan(tmp_path, emulator)
    save_plan(tmp_path, emulator, name="qa.json", env="qa")
    tampered = json.loads(path.read_text())
    entry = next(c for c in tampered["changes"] if c["address"] == "messaging.queue.orders")
    entry["desired"]["properties"]["maxDeliveryCount"] = 99
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    old = {**document, "created_at": (datetime.now(UTC) - timedelta(hours=25)).isoformat(timespec="seconds")}
    resign(old, tmp_path / "old.json")
    url = ("--emulator-url", emulator.url)
    cases: list[tuple[tuple[str, ...], dict[str, str], str, str]] = [
        (("apply", "qa.json", "--env", "prod", *url), {}, "reconciler.cli",
         "plan file qa.json is for qa, not --env prod"),
        (("apply", "tampered.json", *url), {}, "reconciler.cli", "content digest does not match"),
        (("apply", "old.json", *url), {}, "reconciler.cli", "old, older than --max-age 24.0h"),
        (("apply", "plan.json", "--max-age", "1ms", *url), {}, "reconciler.cli", "older than --max-age"),
        # A real subscription id: the deployment values every environment needs there are set too
        # (desired_state.settings.BREAKING_PLACEHOLDERS), so the subscription is what is refused.
        (("apply", "plan.json", *url), {"AZURE_SUBSCRIPTION_ID": "11111111-1111-1111-1111-111111111111",
                                         "RECONCILER_DNS_ZONE": "dev.platform.contoso.net",
                                         "RECONCILER_SQL_TOOLS_IMAGE": "contoso.azurecr.io/go-sqlcmd:1.8"},
         "reconciler.cli", f"made against emulator subscription {SUB}, this run targets emulator subscription 1111"),
        (("apply", "plan.json", *url), {}, "tests.engine.changed_desired_cli",
         "was made from another desired state of dev (desired-state digest differs"),
        (("apply", "missing.json", *url), {}, "reconciler.cli", "plan file missing.json: no such file"),
    ]
    clear_request_log(emulator.state)
    for argv, extra, module, message in cases:
        code, out, err = run(tmp_path, *argv, env=extra, module=module)
        assert code == 1, (argv, out, err)
        assert message in err, (argv, err)
        assert len(err.strip().splitlines()) == 1, err
        assert emulator.requests() == [], argv  # not a single call, not even a read
    # The untouched plan still applies, with the default max age.
    code, out, err = run(tmp_path, "apply", "plan.json", *url)
    assert code == 0, out + err
    assert len(emulator.writes()) == 1


def test_out_needs_dry_run_and_an_existing_directory(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "--yes", "--out", "plan.json")
    assert code == 1 and "--out saves a plan for review and needs --dry-run" in err
    code, _, err = run(tmp_path, "--dry-run", "--out", "nowhere/plan.json")
    assert code == 1 and "--out nowhere/plan.json: directory nowhere does not exist" in err
    assert not (tmp_path / ".reconciler").exists()  # refused before the emulator state was opened


# -- show-plan ----------------------------------------------------------------------------------


def test_show_plan_renders_the_saved_plan_like_the_dry_run(emulator: Emulator, tmp_path: Path) -> None:
    emulator.change("messaging.queue.orders", "properties.maxDeliveryCount", 17)
    emulator.delete("messaging.queue.etl")
    _, _, saved_out = save_plan(tmp_path, emulator)
    dry_run_text = "".join(
        line for line in saved_out.splitlines(keepends=True) if not line.startswith(("Target:", "Saved plan:"))
    )
    code, out, err = run(tmp_path, "show-plan", "plan.json")
    assert code == 0, out + err
    header, _, body = out.partition("\n")
    assert header.startswith("Saved plan plan.json: dev on emulator subscription")
    assert body == dry_run_text
    assert "~ properties.maxDeliveryCount: 17 -> 10" in body

    code, as_json, err = run(tmp_path, "show-plan", "plan.json", "--output", "json")
    assert code == 0, err
    code, dry_json, _ = run(tmp_path, "--dry-run", "--env", "dev", "--output", "json", "--emulator-url", emulator.url)
    assert json.loads(as_json) == json.loads(dry_json)
    jsonschema.validate(json.loads(as_json), json.loads((ROOT / "docs" / "plan-schema.json").read_text()))

    document = json.loads((tmp_path / "plan.json").read_text())
    document["summary"]["create"] = 0
    (tmp_path / "edited.json").write_text(json.dumps(document))
    code, _, err = run(tmp_path, "show-plan", "edited.json")
    assert code == 1 and "content digest does not match" in err


# -- secrets --------------------------------------------------------------------------------------


def test_no_secret_value_in_a_saved_plan_or_in_what_apply_and_show_plan_print(tmp_path: Path) -> None:
    """Every desired body is in the file (a plan from an empty emulator creates
    everything), so every secret-bearing resource is; none of the values is."""
    secrets = {k: v for k, v in secret_values(0).items() if k != "APPLICATIONINSIGHTS_CONNECTION_STRING"}
    env = {**secrets, "AZURE_CLIENT_ID": "00000000-1111-2222-3333-444444444444",
           "AZURE_TENANT_ID": "00000000-5555-6666-7777-888888888888"}
    served = Emulator(tmp_path / "empty.db")
    collected = Collected()
    try:
        for label, argv in (
            ("save", ("--dry-run", "--env", "dev", "--emulator-url", served.url, "--out", "plan.json",
                      "--log-level", "DEBUG", "--log-format", "json")),
            ("show-plan", ("show-plan", "plan.json")),
            ("show-plan-json", ("show-plan", "plan.json", "--output", "json")),
            ("apply", ("apply", "plan.json", "--emulator-url", served.url, "--log-level", "DEBUG")),
        ):
            code, out, err = run(tmp_path, *argv, env=env)
            assert code == 0, (label, out[-3000:], err[-3000:])
            collected.add(f"{label}/stdout", out.encode())
            collected.add(f"{label}/stderr", err.encode())
    finally:
        served.close()
    plan_bytes = (tmp_path / "plan.json").read_bytes()
    collected.add("file:plan.json", plan_bytes)
    document = json.loads(plan_bytes)
    fingerprinted = {c["address"] for c in document["changes"] if c.get("secret_fingerprint")}
    assert {"security.secret.thirdparty_api_key", "security.secret.apim_basic_auth_header"} <= fingerprinted  # there to leak
    # Everything is created: the state built here has no secrets set, so it lacks the two Key Vault secrets.
    assert len(planned(document)) == len(build("dev").resources) + 2
    assert collected.leaks(secrets) == []
