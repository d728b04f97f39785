"""Every command's `--json` output matches the field-by-field reference in docs/json.md.

The reference is generated from `sora_cli.output_schema`; these tests hold the real output
of each command, run against the emulator, to the same data.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from sora_cli.output_schema import (
    ALWAYS,
    CONFIG_LIST,
    DOCTOR,
    JOB_LIST,
    JOB_RECORD,
    TASK_OBJECT,
    Document,
)
from tests.helpers import Cli, loads


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"


def assert_conforms(obj: Any, doc: Document) -> None:
    """`obj` has the documented members, each of a documented type."""
    assert isinstance(obj, dict), obj
    names = doc.names()
    undocumented = set(obj) - set(names)
    assert not undocumented, f"{doc.key}: members missing from the docs: {undocumented}"
    if not doc.open_ended:
        required = {f.name for f in doc.fields if f.present == ALWAYS}
        assert required <= set(obj), f"{doc.key}: missing {required - set(obj)}"
    for field in doc.fields:
        if field.present == ALWAYS:
            assert field.name in obj, f"{doc.key}: {field.name} is documented as always there"
        if field.name in obj:
            kind = json_type(obj[field.name])
            ok = kind in field.types or (kind == "integer" and "number" in field.types)
            assert ok, f"{doc.key}.{field.name}: {kind} is not one of {field.types}"


def test_the_record_documents_every_journal_column() -> None:
    from sora_cli.journal import JobRecord

    assert JOB_RECORD.names() == [f.name for f in fields(JobRecord)]
    assert JOB_LIST.fields == JOB_RECORD.fields


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "a cat", "--json"],
        ["generate", "a cat", "--no-wait", "--json"],
        ["generate", "a cat", "--no-download", "--json"],
    ],
)
def test_generate_json_is_the_documented_record(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    record = loads(result.stdout)
    assert_conforms(record, JOB_RECORD)
    assert list(record) == JOB_RECORD.names()


@pytest.mark.parametrize(
    ("args", "code", "status"),
    [
        (["generate", "no [emulator:content-violation]"], 5, "failed"),
        (["generate", "slow [emulator:stuck]", "--timeout", "1"], 6, None),
        (["stream", "no [emulator:nolink]"], 5, "failed"),
    ],
)
def test_a_failed_run_with_json_still_prints_its_record(
    cli: Cli, args: list[str], code: int, status: str | None
) -> None:
    """A script gets the id and how far it got on stdout; the exit code says what failed."""
    result = cli(*args, "--json")
    assert result.exit_code == code, result.stderr
    record = loads(result.stdout)
    assert_conforms(record, JOB_RECORD)
    assert record["id"] and record["id"] in result.stderr
    if status:
        assert record["status"] == status and record["error"]
    else:
        assert record["status"] not in ("completed", "failed")


def test_an_ambiguous_create_with_json_prints_its_unknown_row(cli: Cli) -> None:
    """A 502 on create may have made the task: the record of its `unknown-…` row."""
    cli.fault(route="create", status=502)
    result = cli("generate", "a cat", "--json", "-q")
    assert result.exit_code == 8, result.stderr
    record = loads(result.stdout)
    assert_conforms(record, JOB_RECORD)
    assert record["id"].startswith("unknown-") and record["kind"] == "unknown"


def test_a_usage_error_with_json_prints_nothing(cli: Cli) -> None:
    result = cli("generate", "a cat", "--seconds", "7", "--json")
    assert result.exit_code == 2 and result.stdout == ""


def test_download_json_is_the_documented_record(cli: Cli) -> None:
    task_id = cli("generate", "a cat", "--no-download").stdout.strip()
    result = cli("download", task_id, "--json")
    assert result.exit_code == 0, result.stderr
    record = loads(result.stdout)
    assert_conforms(record, JOB_RECORD)
    assert record["file"] and record["downloaded_at"]


def test_list_json_is_an_array_of_records(cli: Cli) -> None:
    assert loads(cli("list", "--json").stdout) == []
    cli("generate", "one", "--no-wait")
    cli("generate", "two", "--no-download")
    records = loads(cli("list", "--json").stdout)
    assert [r["prompt"] for r in records] == ["two", "one"]
    for record in records:
        assert_conforms(record, JOB_LIST)


def _status_objects(cli: Cli) -> list[dict[str, Any]]:
    running = cli("generate", "still going [emulator:stuck]", "--no-wait").stdout.strip()
    done = cli("generate", "a cat", "--no-download").stdout.strip()
    failed = cli("generate", "x [emulator:content-violation]", "--no-wait").stdout.strip()
    cli("status", failed, "--watch")
    objects = []
    for task_id in (running, done, failed):
        result = cli("status", task_id, "--json")
        assert result.exit_code == 0, result.stderr
        objects.append(loads(result.stdout))
    assert [o["status"] for o in objects][1:] == ["completed", "failed"]
    return objects


def test_status_json_is_the_documented_task_object_laozhang(cli: Cli) -> None:
    running, done, failed = _status_objects(cli)
    for obj in (running, done, failed):
        assert_conforms(obj, TASK_OBJECT)
    assert "url" in done and "url" not in running
    assert isinstance(failed["error"], dict) and failed["error"].get("message")


def test_status_json_is_the_documented_task_object_openai(
    openai_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import TEST_KEY

    monkeypatch.setenv("SORA_BASE_URL", openai_emulator.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    monkeypatch.setenv("SORA_PROFILE", "openai")
    objects = _status_objects(Cli(openai_emulator))
    for obj in objects:
        assert_conforms(obj, TASK_OBJECT)
        assert set(obj) == set(TASK_OBJECT.names()) - {"url"}  # the full VideoResource


def test_config_list_json_documents_every_key(bare_cli: Cli) -> None:
    assert loads(bare_cli("config", "list", "--json").stdout) == {}
    values = {
        "api-key": "sk-config-0000",
        "base-url": "https://api.example.com/v1",
        "profile": "laozhang",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "15",
        "output-dir": "videos",
        "poll-interval": "4",
        "timeout": "900",
    }
    for key, value in values.items():
        assert bare_cli("config", "set", key, value).exit_code == 0
    shown = loads(bare_cli("config", "list", "--json").stdout)
    assert sorted(shown) == sorted(CONFIG_LIST.names())
    assert_conforms(shown, CONFIG_LIST)
    assert shown["api_key"] == "sk-…0000"


def test_doctor_json_is_the_documented_check_list(cli: Cli) -> None:
    checks = loads(cli("doctor", "--json").stdout)
    assert isinstance(checks, list) and len(checks) == 7
    for check in checks:
        assert_conforms(check, DOCTOR)
        assert list(check) == DOCTOR.names()


def test_models_json_is_the_documented_catalog(cli: Cli) -> None:
    from sora_cli.output_schema import MODELS

    for args in (("models", "--json"), ("models", "--json", "--check")):
        models = loads(cli(*args).stdout)
        assert isinstance(models, list) and models
        for model in models:
            assert_conforms(model, MODELS)
            assert list(model) == MODELS.names()


def test_status_json_of_a_stream_run_is_its_job_record(cli: Cli) -> None:
    assert cli("stream", "a cat", "--no-download").exit_code == 0
    (record,) = loads(cli("list", "--json").stdout)
    assert record["kind"] == "stream"
    result = cli("status", record["id"], "--json")
    assert result.exit_code == 0, result.stderr
    shown = loads(result.stdout)
    assert_conforms(shown, JOB_RECORD)
    assert list(shown) == JOB_RECORD.names()


def test_stream_json_is_the_documented_record(cli: Cli) -> None:
    result = cli("stream", "a cat", "--json")
    assert result.exit_code == 0, result.stderr
    record = loads(result.stdout)
    assert_conforms(record, JOB_RECORD)
    listed = loads(cli("list", "--json").stdout)[0]
    assert listed["usage"] == record["usage"] and isinstance(record["usage"], dict)


def test_batch_json_lines_summary_and_plan_are_documented(cli: Cli, tmp_path: Any) -> None:
    import json

    from sora_cli.output_schema import BATCH_LINE, BATCH_PLAN, BATCH_SUMMARY

    prompts = tmp_path / "p.txt"
    prompts.write_text("a cat\nbad [emulator:content-violation]\n", encoding="utf-8")
    plan = loads(cli("batch", str(prompts), "--dry-run", "--json").stdout)
    assert_conforms(plan, BATCH_PLAN)
    assert list(plan) == BATCH_PLAN.names()
    result = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    *lines, summary = objects
    for line in lines:
        assert_conforms(line, BATCH_LINE)
        assert list(line) == BATCH_LINE.names()
    assert_conforms(summary, BATCH_SUMMARY)
    assert list(summary) == [f.name for f in BATCH_SUMMARY.fields if f.present == ALWAYS]
    assert summary["exit_code"] == result.exit_code == 5
