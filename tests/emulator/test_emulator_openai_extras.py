"""OpenAI-only routes: list, delete, remix; the laozhang profile answers 404 for them."""

from __future__ import annotations

from sora_cli.emulator import Emulator

from .helpers import call, force, post_form, post_json, status


def make(oai: Emulator, prompt: str) -> str:
    task_id: str = post_json(oai, {"prompt": prompt}).json()["id"]
    return task_id


def test_list_order_limit_after(oai: Emulator) -> None:
    ids = [make(oai, f"p{i}") for i in range(3)]
    page = call("GET", oai.base_url + "/videos").json()
    assert page["object"] == "list"
    assert [v["id"] for v in page["data"]] == ids[::-1]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (ids[2], ids[0], False)
    first = call("GET", oai.base_url + "/videos?limit=2&order=asc").json()
    assert [v["id"] for v in first["data"]] == ids[:2] and first["has_more"] is True
    rest = call("GET", oai.base_url + f"/videos?order=asc&after={first['last_id']}").json()
    assert [v["id"] for v in rest["data"]] == ids[2:]
    assert call("GET", oai.base_url + "/videos?limit=101").status == 400
    assert call("GET", oai.base_url + "/videos?order=up").status == 400


def test_delete(oai: Emulator) -> None:
    task_id = make(oai, "x")
    running = call("DELETE", f"{oai.base_url}/videos/{task_id}")
    assert running.status == 400
    force(oai, task_id, status="completed")
    gone = call("DELETE", f"{oai.base_url}/videos/{task_id}")
    assert gone.json() == {"object": "video.deleted", "deleted": True, "id": task_id}
    assert status(oai, task_id).status == 404
    assert call("DELETE", f"{oai.base_url}/videos/{task_id}").status == 404


def test_remix(oai: Emulator) -> None:
    source = post_json(oai, {"prompt": "x", "size": "1280x720", "seconds": "8"}).json()
    early = post_json(oai, {"prompt": "y"}, f"/videos/{source['id']}/remix")
    assert early.status == 400
    force(oai, source["id"], status="completed")
    remixed = post_json(oai, {"prompt": "y"}, f"/videos/{source['id']}/remix").json()
    assert remixed["remixed_from_video_id"] == source["id"]
    assert (remixed["size"], remixed["seconds"], remixed["status"]) == ("1280x720", "8", "queued")
    form = post_form(oai, {"prompt": "z"}, path=f"/videos/{source['id']}/remix")
    assert form.status == 200
    assert post_json(oai, {}, f"/videos/{source['id']}/remix").error["param"] == "prompt"
    assert post_json(oai, {"prompt": "y"}, "/videos/video_nope/remix").status == 404


def test_laozhang_has_no_extras(emu: Emulator) -> None:
    assert call("GET", emu.base_url + "/videos").status == 404
    assert call("DELETE", emu.base_url + "/videos/x").status == 404
    assert post_json(emu, {"prompt": "y"}, "/videos/x/remix").status == 404
