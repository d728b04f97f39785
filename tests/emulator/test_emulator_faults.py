"""Faults on demand: statuses, Retry-After, raw bodies, damaged answers, ambiguous creates."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable

import pytest

from sora_cli.emulator import Emulator
from sora_cli.emulator.media import clip_bytes

from .helpers import LAOZHANG_FIELDS, call, connect, control, create, force, post_form, status


def add(emu: Emulator, **fault: object) -> None:
    reply = control(emu, "faults", fault)
    assert reply.status == 200, reply.body


def test_status_fault_with_retry_after_then_normal(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    add(emu, route="status", status=503, retry_after="2")
    first = status(emu, task_id)
    assert first.status == 503
    assert first.headers["retry-after"] == "2"
    assert set(first.error) == {"message", "type", "param", "code"}
    assert status(emu, task_id).status == 200


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (402, "Insufficient balance"),
        (429, "Rate limit exceeded"),
        (500, "error"),
        (502, "Bad gateway"),
        (504, "Gateway timeout"),
    ],
)
def test_status_messages(emu: Emulator, code: int, words: str) -> None:
    emu.add_fault(route="create", status=code)
    reply = post_form(emu, LAOZHANG_FIELDS)
    assert reply.status == code
    assert words in reply.error["message"]
    assert emu.stats()["tasks"] == 0


def test_times_fifo_and_route_matching(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    add(emu, route="status", status=429, times=2)
    add(emu, route="status", status=500)
    add(emu, route="create", status=402)
    seen = [status(emu, task_id).status for _ in range(4)]
    assert seen == [429, 429, 500, 200]
    assert post_form(emu, LAOZHANG_FIELDS).status == 402


def test_any_route_and_own_route_first(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    add(emu, route="any", status=503)
    add(emu, route="status", status=429)
    assert status(emu, task_id).status == 429
    assert post_form(emu, LAOZHANG_FIELDS).status == 503


def test_raw_body(emu: Emulator) -> None:
    add(emu, route="status", status=502, body="<html><body>502 Bad Gateway</body></html>")
    reply = status(emu, "video_x")
    assert reply.status == 502
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.body.startswith(b"<html>")


def test_create_task_then_fail_is_ambiguous(emu: Emulator) -> None:
    add(emu, route="create", status=500, create_task=True)
    reply = post_form(emu, {**LAOZHANG_FIELDS, "prompt": "ambiguous"})
    assert reply.status == 500
    stats = emu.stats()
    assert stats["tasks"] == 1
    assert stats["creates_by_prompt"] == {"ambiguous": 1}


def test_create_task_fault_does_not_hide_validation(emu: Emulator) -> None:
    add(emu, route="create", status=500, create_task=True)
    assert post_form(emu, {"prompt": "x"}).status == 400
    assert emu.stats()["tasks"] == 0


def _partial_download(emu: Emulator, task_id: str) -> tuple[int, int]:
    """(announced length, bytes received before the connection ended) of a download."""
    conn, path = connect(f"{emu.base_url}/videos/{task_id}/content")
    conn.request("GET", path, headers={"Authorization": "Bearer sk-x"})
    resp = conn.getresponse()
    length = int(resp.headers["content-length"])
    got = 0
    try:
        while chunk := resp.read1(65536):
            got += len(chunk)
    except ConnectionError:
        pass
    finally:
        conn.close()
    return length, got


@pytest.mark.parametrize("action", ["reset", "truncate"])
def test_download_cut_mid_body(emu: Emulator, action: str) -> None:
    task_id = create(emu)["id"]
    force(emu, task_id, status="completed")
    add(emu, route="content", action=action)
    length, got = _partial_download(emu, task_id)
    assert length == len(clip_bytes("1280x720-10s.mp4"))
    assert 0 < got < length
    if action == "truncate":
        assert got == length // 2
    assert call("GET", f"{emu.base_url}/videos/{task_id}/content").status == 200


def test_reset_on_a_padded_download(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(video_bytes=8 * 1024 * 1024)
    task_id = create(emu)["id"]
    force(emu, task_id, status="completed")
    emu.add_fault(route="content", action="reset")
    length, got = _partial_download(emu, task_id)
    assert length == 8 * 1024 * 1024 and got <= length // 2


def test_close_without_answer(emu: Emulator) -> None:
    add(emu, route="status", action="close")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        status(emu, "video_x")
    assert [r["status"] for r in emu.stats()["requests"]] == [None]


def test_html_instead_of_json(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    add(emu, route="status", action="html")
    reply = status(emu, task_id)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")


def test_invalid_json(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    add(emu, route="status", action="invalid_json")
    reply = status(emu, task_id)
    assert (reply.status, reply.headers["content-type"]) == (200, "application/json")
    with pytest.raises(json.JSONDecodeError):
        reply.json()


def test_timeout_then_normal_answer(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    add(emu, route="status", action="timeout", delay=0.15)
    began = time.monotonic()
    assert status(emu, task_id).status == 200
    assert time.monotonic() - began >= 0.15


def test_timeout_outlasts_a_client_timeout(emu: Emulator) -> None:
    add(emu, route="status", action="timeout", delay=1)
    with pytest.raises(socket.timeout):
        call("GET", f"{emu.base_url}/videos/x", timeout=0.1)


def test_delay_with_status(emu: Emulator) -> None:
    emu.add_fault(route="status", status=504, delay=0.1)
    began = time.monotonic()
    assert status(emu, "video_x").status == 504
    assert time.monotonic() - began >= 0.1


@pytest.mark.parametrize(
    "fault",
    [
        {"route": "nowhere", "status": 500},
        {"route": "status"},
        {"status": 99},
        {"status": 500, "times": 0},
        {"action": "explode"},
        {"status": 500, "colour": "red"},
        {"route": "status", "status": 500, "create_task": True},
        {"delay": -1},
        {"status": "500"},
    ],
)
def test_malformed_faults_are_refused(emu: Emulator, fault: dict[str, object]) -> None:
    assert control(emu, "faults", fault).status == 400
    with pytest.raises(ValueError):
        emu.add_fault(**fault)


def test_pending_faults_and_reset(emu: Emulator) -> None:
    add(emu, route="cdn", status=503, times=3)
    pending = control(emu, "faults", method="GET").json()["faults"]
    assert pending == [
        {
            "route": "cdn",
            "status": 503,
            "times": 3,
            "retry_after": None,
            "body": None,
            "action": None,
            "delay": None,
            "create_task": False,
        }
    ]
    assert control(emu, "reset", {}).status == 200
    assert control(emu, "faults", method="GET").json()["faults"] == []


def test_honoured_idempotency_key_returns_the_same_task() -> None:
    """Opt-in: a repeated Idempotency-Key gets the task it already made (one create counted)."""
    import json
    import urllib.request

    from sora_cli.emulator import Emulator, EmulatorConfig

    with Emulator(EmulatorConfig(port=0, honour_idempotency=True)) as server:
        boundary = "b0undary"
        body = (
            "".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                for k, v in {
                    "model": "sora-2",
                    "prompt": "p",
                    "size": "720x1280",
                    "seconds": "10",
                }.items()
            )
            + f"--{boundary}--\r\n"
        )
        ids = []
        for _ in range(2):
            request = urllib.request.Request(
                server.base_url + "/videos",
                data=body.encode(),
                method="POST",
                headers={
                    "Authorization": "Bearer sk-x",
                    "Idempotency-Key": "same",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
            )
            with urllib.request.urlopen(request) as answer:
                ids.append(json.loads(answer.read())["id"])
        assert ids[0] == ids[1]
        assert server.stats()["creates_by_prompt"] == {"p": 1}
