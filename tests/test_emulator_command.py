"""`sora emulator`: option values it cannot serve with are usage errors (exit 2), not bugs."""

from __future__ import annotations

import socket

import pytest

from tests.helpers import Cli


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--port", "99999"], "--port must be 0..65535"),
        (["--port", "-1"], "--port must be 0..65535"),
        (["--cdn-port", "70000"], "--cdn-port must be 0..65535"),
        (["--port", "8123", "--cdn-port", "8123"], "--cdn-port must differ from --port"),
        (["--gen-seconds", "-5"], "--gen-seconds must be a number of seconds >= 0"),
        (["--gen-seconds", "nan"], "--gen-seconds must be a number of seconds >= 0"),
        (["--queue-seconds", "-1"], "--queue-seconds must be a number of seconds >= 0"),
        (["--queue-seconds", "inf"], "--queue-seconds must be a number of seconds >= 0"),
        (["--poll-after-ms", "-3"], "--poll-after-ms must be 0 or more"),
        (["--video-bytes", "-1"], "--video-bytes must be 0 or more"),
        (["--api-key", ""], "--api-key must not be empty"),
        (["--host", ""], "--host must not be empty"),
        (["--profile", "nope"], "unknown profile 'nope'"),
        (["--ttl-seconds", "-1"], "--ttl-seconds must be a number of seconds >= 0"),
        (["--retired", "sora-2="], "--retired: bad retired entry 'sora-2='"),
        (["--retired", ""], "--retired: bad retired entry"),
        (["--retired-answer", "500"], "--retired-answer must be 404 or 503"),
        (["--models", "a,"], "--models: bad model list"),
        (["--models", "a"], "--models applies to --profile gateway only"),
    ],
)
def test_bad_options_are_one_line_usage_errors(bare_cli: Cli, args: list[str], needle: str) -> None:
    result = bare_cli("emulator", *args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"sora: error: {needle}")
    assert "bug" not in result.stderr and "unexpected" not in result.stderr


def test_a_port_in_use_is_a_usage_error_naming_it(bare_cli: Cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = bare_cli("emulator", "--port", str(port))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "--port" in result.stderr


def test_live_model_options_reach_the_emulator(sora_home: object) -> None:
    """`sora emulator --retired … --retired-answer … --ttl-seconds` serve as
    `python -m sora_cli.emulator` does with the same flags."""
    import signal

    from tests.emulator.helpers import LAOZHANG_FIELDS, call, multipart
    from tests.helpers import start_sora

    proc = start_sora("emulator", "--port", "0", "--retired", "sora-2=muse-video-30s",
                      "--retired-answer", "404", "--ttl-seconds", "60", env={})
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        body, ctype = multipart(LAOZHANG_FIELDS)
        reply = call("POST", url + "/videos", body, {"Content-Type": ctype})
        assert reply.status == 404
        assert reply.error["message"].endswith("Switch to muse-video-30s")
        muse = call("POST", url + "/videos", b'{"model": "muse-video", "prompt": "x"}',
                    {"Content-Type": "application/json"}).json()
        assert muse["expires_at"] == muse["created_at"] + 60
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0, stderr
    assert "retired (HTTP 404): sora-2" in stderr
