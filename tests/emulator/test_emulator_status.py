"""GET /v1/videos/{id}: clock-driven progression, end states, magic words, expiry, 404s."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sora_cli.emulator import Emulator

from .helpers import call, control, create, force, post_json, status, wait_for


def watch(emu: Emulator, task_id: str, seconds: float) -> list[dict[str, Any]]:
    """Status bodies seen while polling every 50 ms."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = status(emu, task_id)
        assert reply.status == 200
        seen.append(reply.json())
        time.sleep(0.05)
    return seen


def test_laozhang_progression(emu: Emulator) -> None:
    task = create(emu)
    seen = watch(emu, task["id"], 0.9)
    statuses = [s["status"] for s in seen]
    assert statuses[0] == "submitted"
    assert "in_progress" in statuses
    assert statuses[-1] == "completed"
    order = {"submitted": 0, "in_progress": 1, "completed": 2}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress)
    assert all(1 <= s["progress"] <= 99 for s in seen if s["status"] == "in_progress")
    first, last = seen[0], seen[-1]
    assert set(first) == {"id", "object", "model", "status", "progress", "created_at"}
    assert first["object"] == "video" and first["progress"] == 0
    assert set(last) == {"id", "object", "model", "status", "progress", "created_at", "url",
                         "completed_at"}
    assert last["url"] == f"/v1/videos/{task['id']}/content"
    assert last["progress"] == 100
    assert last["completed_at"] >= last["created_at"]


def test_openai_progression_keeps_every_field(make_emulator: Callable[..., Emulator]) -> None:
    oai = make_emulator(profile="openai", queue_seconds=0.1, gen_seconds=0.2)
    task = post_json(oai, {"prompt": "x"}).json()
    seen = watch(oai, task["id"], 0.45)
    assert [seen[0]["status"], seen[-1]["status"]] == ["queued", "completed"]
    assert all(set(s) == set(task) for s in seen)
    assert seen[-1]["expires_at"] == task["expires_at"]
    assert seen[-1]["completed_at"] is not None


def test_content_violation_fails_after_queue(emu: Emulator) -> None:
    task = create(emu, prompt="a cat [emulator:content-violation]")
    assert status(emu, task["id"]).json()["status"] == "submitted"
    wait_for(lambda: status(emu, task["id"]).json()["status"] != "submitted")
    body = status(emu, task["id"]).json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "content_policy_violation"
    assert "url" not in body


def test_stuck_task_never_passes_fifty(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_seconds=0.05, gen_seconds=0.1)
    task = create(emu, prompt="[emulator:stuck] slow cat")
    time.sleep(0.25)
    body = status(emu, task["id"]).json()
    assert (body["status"], body["progress"]) == ("in_progress", 50)


def test_unknown_id_is_404(emu: Emulator) -> None:
    reply = status(emu, "video_nope")
    assert reply.status == 404
    assert reply.error["type"] == "invalid_request_error"


def test_ttl_expiry(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(ttl_seconds=0.2)
    task = create(emu)
    assert status(emu, task["id"]).status == 200
    time.sleep(0.25)
    reply = status(emu, task["id"])
    assert reply.status == 404
    assert "expired" in reply.error["message"]


def test_control_can_expire_and_force(emu: Emulator) -> None:
    done, failed, gone = create(emu), create(emu), create(emu)
    force(emu, done["id"], status="completed")
    force(emu, failed["id"], status="failed")
    force(emu, gone["id"], expire=True)
    assert status(emu, done["id"]).json()["status"] == "completed"
    assert status(emu, failed["id"]).json()["error"]["code"] == "content_policy_violation"
    assert status(emu, gone["id"]).status == 404
    assert control(emu, "tasks/nope", {"expire": True}).status == 404
    assert control(emu, "tasks/" + done["id"], {"status": "weird"}).status == 400
    assert emu.force_task(failed["id"], status="completed")


def test_poll_after_header(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(poll_after_ms=1500)
    task = create(emu)
    assert status(emu, task["id"]).headers["openai-poll-after-ms"] == "1500"
    assert status(emu, "video_nope").headers["openai-poll-after-ms"] == "1500"
    plain = make_emulator()
    assert "openai-poll-after-ms" not in status(plain, create(plain)["id"]).headers


def test_head_on_status(emu: Emulator) -> None:
    task = create(emu)
    reply = call("HEAD", f"{emu.base_url}/videos/{task['id']}")
    assert reply.status == 200 and reply.body == b""
    assert int(reply.headers["content-length"]) > 0
