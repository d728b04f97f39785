"""GET /__emulator__/stats: what clients sent (never the key), creates, concurrency."""

from __future__ import annotations

import json
import threading

from sora_cli.emulator import Emulator

from .helpers import (
    LAOZHANG_FIELDS,
    TOKEN,
    call,
    control,
    create,
    post_form,
    status,
    wait_for,
)


def test_requests_are_recorded_without_the_key(emu: Emulator) -> None:
    post_form(emu, LAOZHANG_FIELDS, headers={"Idempotency-Key": "idem-1",
                                             "User-Agent": "sora-cli/0.1.0"})
    call("GET", f"{emu.base_url}/videos/x", headers={"Range": "bytes=0-"}, token=None)
    control(emu, "faults", method="GET")
    doc = control(emu, "stats", method="GET").json()
    assert TOKEN not in json.dumps(doc)
    first, second = doc["requests"]
    assert first["method"] == "POST" and first["path"] == "/v1/videos"
    assert (first["route"], first["status"], first["authorization"]) == ("create", 200, True)
    assert first["idempotency_key"] == "idem-1"
    assert first["user_agent"] == "sora-cli/0.1.0"
    assert first["content_type"].startswith("multipart/form-data; boundary=")
    assert (second["route"], second["status"], second["authorization"]) == ("status", 401, False)
    assert second["range"] == "bytes=0-"
    assert second["idempotency_key"] is None
    assert doc["tasks"] == 1
    assert doc["creates_by_prompt"] == {"a cat": 1}


def test_in_process_stats_match_the_endpoint(emu: Emulator) -> None:
    create(emu, prompt="p1")
    create(emu, prompt="p1")
    create(emu, prompt="p2")
    stats = emu.stats()
    assert stats["creates_by_prompt"] == {"p1": 2, "p2": 1}
    served = control(emu, "stats", method="GET").json()
    # in_flight may lag the client by a moment: a request counts until its last byte is sent
    assert {**stats, "in_flight": {}} == {**served, "in_flight": {}}


def test_max_in_flight_per_route(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    emu.add_fault(route="status", delay=0.15, times=5)
    threads = [threading.Thread(target=status, args=(emu, task_id)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = emu.stats()
    assert stats["max_in_flight"]["status"] == 5
    assert stats["max_in_flight"]["create"] == 1
    wait_for(lambda: emu.stats()["in_flight"] == {})


def test_reset_clears_everything(emu: Emulator) -> None:
    create(emu)
    emu.add_fault(route="status", status=500)
    emu.reset()
    stats = emu.stats()
    assert stats["requests"] == [] and stats["tasks"] == 0 and stats["creates_by_prompt"] == {}
    assert status(emu, "video_x").status == 404
