"""`sora doctor` against the emulator: pass, refused key, no key, broken config, no network."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from sora_cli.emulator import Emulator
from tests.helpers import TEST_KEY, Cli, loads, requests_for

NAMES = ["config", "settings", "key", "api", "model", "journal", "terminal"]


def _by_name(result_stdout: str) -> dict[str, dict[str, Any]]:
    checks = loads(result_stdout)
    assert [c["name"] for c in checks] == NAMES
    return {c["name"]: c for c in checks}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_all_checks_pass_against_the_emulator(cli: Cli) -> None:
    result = cli("doctor")
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["CHECK", "STATUS", "DETAIL"]
    rows = [line.split("\t") for line in lines[1:] if line.split("\t")[0]]
    assert [row[0] for row in rows] == NAMES
    # the default model, sora-2, is retired upstream: a warning, never a failure
    assert all(row[1] == ("WARN" if row[0] == "model" else "ok") for row in rows)
    assert "fix: sora config set model muse-video" in result.stdout
    assert "\x1b[" not in result.stdout  # plain text when stdout is not a terminal
    assert "sk-…" in result.stdout and "environment variable SORA_API_KEY" in result.stdout
    # the probe is one free status query; nothing was created
    stats = cli.stats()
    (probe,) = requests_for(stats, "status")
    assert probe["path"].endswith("/videos/sora-doctor-probe") and probe["authorization"]
    assert not requests_for(stats, "create")


def test_json_lists_every_check(cli: Cli) -> None:
    result = cli("doctor", "--json")
    assert result.exit_code == 0, result.stderr
    checks = _by_name(result.stdout)
    model = checks.pop("model")
    assert model["status"] == "warn" and model["exit_code"] == 0 and "retired" in model["detail"]
    assert {c["status"] for c in checks.values()} == {"ok"}
    assert all(c["exit_code"] == 0 and c["hint"] is None for c in checks.values())
    assert "404" in checks["api"]["detail"] and "accepted" in checks["api"]["detail"]
    assert "no journal yet" in checks["journal"]["detail"]


def test_journal_count_and_mode_are_reported(cli: Cli, sora_home: Path) -> None:
    assert cli("generate", "a cat", "--no-wait").exit_code == 0
    checks = _by_name(cli("doctor", "--json").stdout)
    assert "(mode 0600; 1 task)" in checks["journal"]["detail"]


def test_a_refused_key_is_exit_3(cli: Cli) -> None:
    cli.fault(route="status", status=401)
    result = cli("doctor", "--json")
    assert result.exit_code == 3
    checks = _by_name(result.stdout)
    assert checks["api"]["status"] == "fail" and checks["api"]["exit_code"] == 3
    assert "401" in checks["api"]["detail"] and checks["api"]["hint"]
    assert checks["key"]["status"] == "ok"  # present; it is the API that refused it
    assert "sora: error:" in result.stderr and "401" in result.stderr


def test_no_key_is_exit_3_and_nothing_is_sent(
    bare_cli: Cli, emulator: Emulator, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SORA_BASE_URL", emulator.base_url)
    result = bare_cli("doctor")
    assert result.exit_code == 3
    assert "key\tFAIL\tno API key configured" in result.stdout
    assert "\t\tfix: export SORA_API_KEY=sk-..." in result.stdout
    assert "api\tskip" in result.stdout
    assert "sora config set api-key" in result.stderr
    assert not emulator.stats()["requests"]


def test_broken_config_is_exit_2_naming_the_line(cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir(parents=True, exist_ok=True)
    config = sora_home / "config.toml"
    config.write_text('size = "1280x720"\nseconds = [oops\n')
    config.chmod(0o600)
    result = cli("doctor", "--json")
    assert result.exit_code == 2
    checks = _by_name(result.stdout)
    assert checks["config"]["status"] == "fail" and "line 2" in checks["config"]["detail"]
    assert checks["settings"]["status"] == "skip"
    assert checks["key"]["status"] == "skip" and checks["api"]["status"] == "skip"
    assert checks["journal"]["status"] == "ok"  # the other checks still ran


def test_a_config_file_others_can_read_is_exit_2(cli: Cli, sora_home: Path) -> None:
    cli("config", "set", "size", "1280x720")
    config = sora_home / "config.toml"
    assert cli("doctor").exit_code == 0
    config.chmod(0o644)
    result = cli("doctor", "--json")
    assert result.exit_code == 2
    checks = _by_name(result.stdout)
    assert "0644" in checks["config"]["detail"] and checks["config"]["hint"] == (
        f"chmod 600 {config}"
    )
    assert checks["api"]["status"] == "ok"


def test_unreachable_base_url_is_exit_8(bare_cli: Cli, monkeypatch: Any) -> None:
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    monkeypatch.setenv("SORA_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    result = bare_cli("doctor", "--json")
    assert result.exit_code == 8
    checks = _by_name(result.stdout)
    assert checks["api"]["status"] == "fail" and checks["api"]["exit_code"] == 8
    assert "cannot connect" in checks["api"]["detail"]
    assert "retry" not in result.stderr  # one attempt: the doctor reports, it does not wait


def test_plain_http_to_another_host_is_refused_before_connecting(
    bare_cli: Cli, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    result = bare_cli("doctor", "--json", "--base-url", "http://api.example.com/v1")
    assert result.exit_code == 2
    checks = _by_name(result.stdout)
    assert checks["settings"]["status"] == "fail" and "plain http" in checks["settings"]["detail"]
    assert checks["api"]["status"] == "skip"


def test_a_corrupt_journal_is_exit_2(cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir(parents=True, exist_ok=True)
    journal = sora_home / "jobs.sqlite3"
    journal.write_bytes(b"this is not a database, it is a text file" * 100)
    journal.chmod(0o600)
    result = cli("doctor", "--json")
    assert result.exit_code == 2
    checks = _by_name(result.stdout)
    assert (
        checks["journal"]["status"] == "fail" and "cannot be opened" in checks["journal"]["detail"]
    )


def test_the_first_failure_decides_the_exit_code(bare_cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir(parents=True, exist_ok=True)
    (sora_home / "config.toml").write_text("size = \n")  # broken (2) and no key (3)
    result = bare_cli("doctor")
    assert result.exit_code == 2


def test_terminal_check_reports_no_color(cli: Cli, monkeypatch: Any) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    checks = _by_name(cli("doctor", "--json").stdout)
    detail = checks["terminal"]["detail"]
    assert "NO_COLOR set" in detail and "colour off" in detail and "stdout not a terminal" in detail


def test_the_key_given_as_a_flag_is_named_as_its_source(bare_cli: Cli, emulator: Emulator) -> None:
    result = bare_cli("doctor", "--json", "--api-key", TEST_KEY, "--base-url", emulator.base_url)
    assert result.exit_code == 0, result.stderr
    assert _by_name(result.stdout)["key"]["detail"].endswith("from --api-key")


def _settings_for(base_url: str) -> Any:
    from sora_cli.settings import Overrides, load_settings

    return load_settings(Overrides(api_key=TEST_KEY, base_url=base_url))


def test_an_html_404_does_not_count_as_an_accepted_key() -> None:
    import httpx

    from sora_cli.doctor import check_api

    def web_site(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, html="<html><h1>Not Found</h1></html>")

    check = check_api(
        _settings_for("https://api.example.com"), transport=httpx.MockTransport(web_site)
    )
    assert check.status == "fail" and check.exit_code == 8
    assert "/v1" in (check.hint or "")


def test_the_probe_sends_the_key_once_to_the_status_route() -> None:
    import httpx

    from sora_cli.doctor import PROBE_ID, check_api

    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"error": {"message": "task not found"}})

    check = check_api(
        _settings_for("https://api.example.com/v1"), transport=httpx.MockTransport(api)
    )
    assert check.status == "ok" and check.exit_code == 0
    (request,) = seen
    assert request.method == "GET" and request.url.path == f"/v1/videos/{PROBE_ID}"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_a_server_error_is_reported_once_without_retrying() -> None:
    import httpx

    from sora_cli.doctor import check_api

    calls = []

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"error": {"message": "busy"}})

    check = check_api(
        _settings_for("https://api.example.com/v1"), transport=httpx.MockTransport(api)
    )
    assert check.status == "fail" and check.exit_code == 8 and len(calls) == 1
