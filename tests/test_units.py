"""Unit tests of the pure parts: parsers, profiles, status names, images, redaction."""

from __future__ import annotations

import contextlib
import email.utils

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from sora_cli.config_keys import check_base_url, redact
from sora_cli.download import parse_content_range
from sora_cli.errors import UsageError
from sora_cli.http_answers import parse_retry_after
from sora_cli.images import inspect_image
from sora_cli.models import Task, TaskState, normalise_status
from sora_cli.outputs import default_filename, safe_name_part
from sora_cli.profiles import LAOZHANG, OPENAI, get_profile
from tests import images


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("-5") == 0.0
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30.0)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("nan") is None


@given(st.text(max_size=60))
def test_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value)
    assert result is None or result >= 0


def test_content_range() -> None:
    parsed = parse_content_range("bytes 100-199/1000")
    assert parsed is not None and (parsed.start, parsed.end, parsed.total) == (100, 199, 1000)
    star = parse_content_range("bytes */1000")
    assert star is not None and star.start is None and star.total == 1000
    assert parse_content_range("bytes 5-1/10") is None
    assert parse_content_range("items 0-1/2") is None


@given(st.text(max_size=60))
def test_content_range_never_raises(value: str) -> None:
    parse_content_range(value)


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("submitted", TaskState.RUNNING),  # laozhang
        ("queued", TaskState.RUNNING),  # openai
        ("pending", TaskState.RUNNING),
        ("processing", TaskState.RUNNING),
        ("in_progress", TaskState.RUNNING),
        ("something_new", TaskState.RUNNING),
        ("completed", TaskState.COMPLETED),
        ("failed", TaskState.FAILED),
        ("cancelled", TaskState.CANCELLED),
        ("expired", TaskState.EXPIRED),
        ("COMPLETED", TaskState.COMPLETED),
    ],
)
def test_status_names_of_both_profiles_normalise(raw: str, state: TaskState) -> None:
    assert normalise_status(raw) is state


def test_task_parsing_tolerates_odd_fields_and_rejects_non_tasks() -> None:
    task = Task.from_json({"id": "v1", "status": "in_progress", "progress": "150", "extra": 1})
    assert task.progress == 100 and task.state is TaskState.RUNNING
    failed = Task.from_json(
        {
            "id": "v2",
            "status": "failed",
            "error": {"code": "content_policy_violation", "message": "no"},
        }
    )
    assert failed.failure_text() == "content_policy_violation: no"
    from sora_cli.errors import BadContent

    for bad in ([], {"status": "x"}, {"id": "x"}, {"id": 3, "status": "x"}):
        with pytest.raises(BadContent):
            Task.from_json(bad)


def test_profiles_check_values_and_price() -> None:
    assert LAOZHANG.check_size("landscape") == "1280x720"
    assert LAOZHANG.check_seconds("15") == 15
    with pytest.raises(UsageError):
        LAOZHANG.check_seconds(12)
    with pytest.raises(UsageError):
        LAOZHANG.check_size("1792x1024")
    assert OPENAI.check_size("1792x1024") == "1792x1024"
    assert OPENAI.check_model("sora-2-pro") == "sora-2-pro"
    assert LAOZHANG.price("sora-2", "720x1280", 15) == 0.15
    assert OPENAI.price("sora-2", "720x1280", 8) == pytest.approx(0.8)
    assert OPENAI.price("sora-2-pro", "1792x1024", 4) == pytest.approx(2.0)
    assert get_profile("OpenAI") is OPENAI


@pytest.mark.parametrize(
    ("data", "fmt", "size"),
    [
        (images.png(1280, 720), "png", "1280x720"),
        (images.jpeg_header(720, 1280), "jpeg", "720x1280"),
        (images.webp_vp8x(1280, 720), "webp", "1280x720"),
        (images.webp_vp8l(720, 1280), "webp", "720x1280"),
    ],
)
def test_image_format_and_size_from_content(data: bytes, fmt: str, size: str) -> None:
    info = inspect_image(data, "img")
    assert info.format == fmt and info.size_text == size


def test_non_image_is_refused() -> None:
    with pytest.raises(UsageError, match="not a JPG, PNG or WebP"):
        inspect_image(b"GIF89a....", "x.png")


@given(st.binary(max_size=64))
def test_image_sniffing_never_raises_anything_but_usage_errors(data: bytes) -> None:
    with contextlib.suppress(UsageError):
        inspect_image(data, "fuzz")


_REAL_IMAGES = [images.png(8, 8), images.photo(16, 12, "JPEG"), images.photo(16, 12, "WEBP")]


@given(
    st.sampled_from(_REAL_IMAGES),
    st.integers(min_value=0, max_value=400),
    st.binary(max_size=64),
    st.sampled_from(["check", "crop", "pad"]),
)
def test_decoding_damaged_images_never_raises_anything_but_usage_errors(
    original: bytes, cut: int, junk: bytes, use: str
) -> None:
    from sora_cli.pixels import check_decodes, fit_image

    data = original[: max(cut, 12)] + junk  # cut anywhere after the magic bytes, then junk
    with contextlib.suppress(UsageError):
        info = inspect_image(data, "fuzz")
        if use == "check":
            check_decodes(data, info, "fuzz")
        else:
            fit_image(data, info, "32x18", use, "fuzz")  # type: ignore[arg-type]


def test_an_image_over_the_pixel_cap_is_refused_from_its_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sora_cli import constants
    from sora_cli.pixels import check_decodes

    monkeypatch.setattr(constants, "IMAGE_MAX_PIXELS", 1000)
    data = images.png(64, 64)
    with pytest.raises(UsageError, match="64x64, over 0 megapixels; that is too large"):
        check_decodes(data, inspect_image(data, "big.png"), "big.png")


def test_server_ids_never_escape_the_output_directory() -> None:
    assert safe_name_part("video_abc-1.2") == "video_abc-1.2"
    for evil in ("../../etc/passwd", "/abs", "a/b", "..", ""):
        name = default_filename(evil)
        assert "/" not in name and not name.startswith(".")


def test_base_url_rules() -> None:
    assert check_base_url("http://127.0.0.1:8000/v1/") == "http://127.0.0.1:8000/v1"
    assert check_base_url("http://localhost:1/v1") == "http://localhost:1/v1"
    with pytest.raises(UsageError):
        check_base_url("http://10.0.0.1/v1")
    with pytest.raises(UsageError):
        check_base_url("ftp://example.com")


def test_redact() -> None:
    assert redact("sk-abcdefghijklmnop") == "sk-…mnop"
    assert "abcd" not in redact("abcd")


def test_a_run_builds_only_the_command_it_names() -> None:
    from sora_cli.app import new_root
    from sora_cli.command_tree import COMMANDS, only_the_named_command

    def real(app: typer.Typer) -> list[str]:
        built = [c.name or "" for c in app.registered_commands if c.help is None]
        return built + [g.name or "" for g in app.registered_groups]

    download = only_the_named_command(new_root, ["--debug", "download", "video_1", "-o", "list"])
    assert real(download) == ["download"]
    assert len(download.registered_commands) == len(COMMANDS)  # the others as stubs
    config = only_the_named_command(new_root, ["config", "set", "size"])
    assert real(config) == ["config"]
    for words in (
        [],
        ["--help"],
        ["nosuch"],
        ["generat"],
        ["-h", "generate"],
        ["--help", "config"],
    ):
        assert real(only_the_named_command(new_root, words)) == []


def test_the_stubs_summaries_are_the_commands_own() -> None:
    """`sora --help` and `sora <Tab>` show the table's summaries: they must be the real ones."""
    from typer.core import TyperGroup
    from typer.main import get_command

    from sora_cli.app import full_app, new_root
    from sora_cli.command_tree import COMMANDS, add_commands

    def listing(app: typer.Typer) -> list[tuple[str, str]]:
        group = get_command(app)
        assert isinstance(group, TyperGroup)
        ctx = group.make_context("sora", [])
        return [
            (name, group.commands[name].get_short_help_str(limit=10_000))
            for name in group.list_commands(ctx)
        ]

    assert listing(add_commands(new_root(), [])) == listing(full_app())
    assert list(COMMANDS) == [name for name, _ in listing(full_app())]


def test_a_batch_manifest_line_from_a_newer_sora_still_loads() -> None:
    from sora_cli.batch_input import BatchLine

    line = BatchLine(1, "k", "a cat", "1280x720", 10, "sora-2", fit="crop")
    data = {**line.to_json(), "added_later": True}
    assert BatchLine.from_json(data) == line
    older = {k: v for k, v in line.to_json().items() if k != "fit"}
    assert BatchLine.from_json(older).fit is None
