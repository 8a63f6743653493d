"""The documentation stands alone and its examples work.

* README, CONTRIBUTING and docs/ name no file outside the repository;
* docs/compatibility.md's tables are well-formed Markdown tables, each numbered once, in order;
* docs/api.md's worked examples run as written (bash, curl, jq) against a real server with the
  LiveKit simulator, and its signature-verification snippets accept a real webhook delivery.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.services import eventually
from tests.webhook_receiver import WebhookReceiver
from webhooks import services as webhook_services

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
API_DOCS = (REPO / "docs" / "api.md").read_text()


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_docs_name_no_file_outside_the_repository(path: Path) -> None:
    text = path.read_text()
    for outside in ("shared/", "api-contract", "behavior.md", "style.md", "§", "../"):
        assert outside not in text, f"{path.name} refers to {outside!r}"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not re.match(r"https?://", target):
            assert (path.parent / target).exists(), f"{path.name}: broken link {target}"


def tables(text: str) -> list[list[str]]:
    """Markdown tables as lists of lines: a header row, a delimiter row, then body rows."""
    result: list[list[str]] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^\|(\s*:?-+:?\s*\|)+$", line) and index > 0:
            rows = [lines[index - 1], line]
            for following in lines[index + 1 :]:
                if not following.startswith("|"):
                    break
                rows.append(following)
            result.append(rows)
    return result


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split(" | ")]


def test_compatibility_tables_render_and_are_numbered_once() -> None:
    text = (REPO / "docs" / "compatibility.md").read_text()
    # every line starting with "|" belongs to a table with a header and a delimiter row
    table_rows = {row for table in tables(text) for row in table}
    stray = [line for line in text.splitlines() if line.startswith("|") and line not in table_rows]
    assert not stray, f"table rows outside a table (a blank line breaks a table): {stray}"
    numbers: list[int] = []
    for table in tables(text):
        width = len(cells(table[0]))
        for row in table[2:]:
            assert len(cells(row)) == width, row
        if cells(table[0])[0] == "#":
            numbers += [int(cells(row)[0]) for row in table[2:]]
    assert numbers == list(range(1, len(numbers) + 1))


def run_bash(script: str, cwd: Path) -> str:
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{script}\n--- stderr:\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_the_worked_examples_run_as_written(
    api_key: str, meet_server: str, livekit_webhooks: Any, store: Any, tmp_path: Path
) -> None:
    blocks = code_blocks(API_DOCS, "sh")
    setup, create, token, recording, listing = blocks[:5]
    assert "MEET=http://localhost:6080" in setup
    variables = "MEET ROOM MODERATOR_SECRET TOKEN RECORDING"
    state = tmp_path / "state.sh"
    state.write_text(f"MEET={meet_server}\nKEY={api_key}\n")

    def run(block: str) -> str:
        script = (
            f"source state.sh\n{block}\ndeclare -p KEY {variables} 2>/dev/null > state.sh || true\n"
        )
        return run_bash(script, tmp_path)

    run(create)
    room = json.loads((tmp_path / "room.json").read_text())
    assert room["roomName"] == "Weekly sync"
    assert room["config"]["recording"]["enabled"] is True

    run(token)
    assert json.loads((tmp_path / "token.json").read_text())["token"].count(".") == 2
    # What the front end does next: join the LiveKit room with that token.
    livekit_webhooks.add_participant(room["roomId"], "alice", name="Alice")
    livekit_webhooks.wait_webhooks_delivered()

    run(recording)
    started = json.loads((tmp_path / "recording.json").read_text())
    assert started["status"] == "active"
    recording_id = started["recordingId"]
    room_id, egress_id, uid = recording_id.split("--")
    eventually(
        lambda: (
            store.get_json(f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json")["status"]
            == "complete"
        )
    )

    output = run(listing)
    listed = json.loads(output.splitlines()[0])
    assert listed["recordingId"] == recording_id
    assert listed["status"] == "complete"
    media = (tmp_path / "recording.mp4").read_bytes()
    assert len(media) == listed["size"]
    assert media[4:8] == b"ftyp"
    assert (tmp_path / "first-kb.mp4").read_bytes() == media[:1024]
    with zipfile.ZipFile(tmp_path / "recordings.zip") as archive:
        assert archive.namelist() == [f"{room_id}--{uid}.mp4"]
    assert output.splitlines()[-1].startswith(f"{meet_server}/recording/{recording_id}?secret=")


@pytest.fixture
def delivery() -> Any:
    """A real signed delivery, with non-ASCII text and a fractional number in the body."""
    receiver = WebhookReceiver()
    url = receiver.start()
    created = int(time.time() * 1000)
    body = webhook_services.webhook_body(
        "meetingStarted", {"roomName": "Réunion ☕", "duration": 1.5}, created
    )
    result = webhook_services.post_webhook(url, body, created, "the-api-key")
    assert result.ok
    receiver.wait_for(1)
    receiver.stop()
    return receiver.received[0]


def test_the_python_signature_snippet_accepts_real_deliveries(delivery: Any) -> None:
    [snippet] = code_blocks(API_DOCS, "python")
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "docs/api.md", "exec"), namespace)
    verify = namespace["verify_webhook"]
    assert verify(delivery.headers, delivery.body, "the-api-key") is True
    assert verify(delivery.headers, delivery.body, "another-key") is False
    assert verify(delivery.headers, delivery.body + b" ", "the-api-key") is False
    old = {**delivery.headers, "X-Timestamp": str(int(time.time() * 1000) - 121_000)}
    assert verify(old, delivery.body, "the-api-key") is False


def test_the_shell_signature_snippet_prints_the_signature(delivery: Any, tmp_path: Path) -> None:
    snippet = code_blocks(API_DOCS, "sh")[-1]
    assert "openssl dgst" in snippet
    (tmp_path / "body.json").write_bytes(delivery.body)
    script = f"TIMESTAMP={delivery.headers['X-Timestamp']}\nKEY=the-api-key\n{snippet}"
    assert run_bash(script, tmp_path).strip() == delivery.headers["X-Signature"]
