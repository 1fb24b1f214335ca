from __future__ import annotations

from pathlib import Path

from reconciler.engine.lro_tokens import FileLroTokenStore


def test_tokens_survive_a_new_process_and_ids_match_case_insensitively(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first = FileLroTokenStore(path)
    first.put("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Sql/servers/A", "token-1")
    again = FileLroTokenStore(path)
    assert again.get("/subscriptions/s/resourcegroups/rg/providers/microsoft.sql/servers/a") == "token-1"
    again.clear("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Sql/servers/A")
    assert FileLroTokenStore(path).pending() == []


def test_a_torn_token_file_is_treated_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"/subscriptions/x": "tok', encoding="utf-8")
    assert FileLroTokenStore(path).pending() == []


def test_two_stores_on_one_file_keep_each_others_tokens(tmp_path: Path) -> None:
    # A controller and a one-shot apply share the file: neither may drop the other's token.
    path = tmp_path / "tokens.json"
    controller, one_shot = FileLroTokenStore(path), FileLroTokenStore(path)
    controller.put("/subscriptions/s/a", "token-a")
    one_shot.put("/subscriptions/s/b", "token-b")
    controller.clear("/subscriptions/s/a")
    assert FileLroTokenStore(path).pending() == ["/subscriptions/s/b"]
