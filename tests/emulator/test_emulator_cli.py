"""`python -m sora_cli.emulator`: one stdout line, a banner on stderr, clean exit on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import call

ROOT = Path(__file__).resolve().parents[2]


def start(*flags: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "sora_cli.emulator", "--port", "0", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_and_stops_on_signals(sig: signal.Signals) -> None:
    proc = start("--profile", "openai", "--api-key", "sk-cli", "--queue-seconds", "0.1")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert call("GET", url + "/videos", token="sk-cli").json()["object"] == "list"
        assert call("GET", url + "/videos", token="sk-other").status == 401
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=5)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert out == ""
    assert f"export SORA_BASE_URL={url}" in err
    assert "openai" in err and "CDN" in err
    assert "sk-cli" not in err


def test_bad_flags_exit_2() -> None:
    proc = start("--profile", "nope")
    _, err = proc.communicate(timeout=5)
    assert proc.returncode == 2
    assert "--profile" in err


def test_port_in_use_is_a_clear_error() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-m", "sora_cli.emulator", "--port", str(port)],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=5,
        )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr and result.stdout == ""


def test_retired_and_gateway_flags_reach_the_server() -> None:
    proc = start("--profile", "gateway", "--models", "vid-1,vid-2", "--retired",
                 "vid-2=vid-1", "--retired-answer", "503")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        listed = call("GET", url + "/models").json()
        assert [m["id"] for m in listed["data"]] == ["vid-1"]
        reply = call("POST", url + "/videos", b'{"model": "vid-2", "prompt": "x"}',
                     {"Content-Type": "application/json"})
        assert reply.status == 503 and reply.error["message"].endswith("model vid-2")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=5)
    finally:
        proc.kill()
    assert "retired (HTTP 503): vid-2" in err and "SORA_PROFILE=compatible" in err
    assert '--model vid-1' in err


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (("--retired", "=x"), "--retired"),
        (("--retired-answer", "500"), "--retired-answer"),
        (("--models", "a,,b"), "--models"),
        (("--models", "a"), "only the gateway profile"),
    ],
)
def test_bad_live_model_flags_exit_2(flags: tuple[str, ...], words: str) -> None:
    proc = start(*flags)
    out, err = proc.communicate(timeout=5)
    assert proc.returncode == 2, err
    assert words in err and out == ""
