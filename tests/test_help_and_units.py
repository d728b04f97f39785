"""What a new user reads: `--help` at the terminal's width, bare groups, one unit family,
counters and percentages that add up."""

from __future__ import annotations

import re
from pathlib import Path

from sora_cli.batch import LineResult
from sora_cli.batch_display import BatchDisplay
from sora_cli.models import Task
from tests.helpers import Cli, run_sora
from tests.test_console_tty import _console, _line, _plain, terminal_env  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def test_bare_config_shows_its_help_and_exits_0(bare_cli: Cli) -> None:
    result = bare_cli("config")
    assert result.exit_code == 0, result.stderr
    assert "Commands:" in result.stdout and "unset" in result.stdout
    assert "error" not in result.stderr


def test_help_uses_the_terminal_width_and_full_summaries(tmp_path: Path) -> None:
    done = run_sora("--help", env={"COLUMNS": "120", "SORA_HOME": str(tmp_path)})
    assert done.returncode == 0
    commands = done.stdout.split("Commands:", 1)[1]
    assert "..." not in commands
    assert max(len(line) for line in done.stdout.splitlines()) > 80
    assert "download the MP4." in commands  # the whole first sentence
    narrow = run_sora("--help", env={"COLUMNS": "60", "SORA_HOME": str(tmp_path)})
    assert "..." not in narrow.stdout.split("Commands:", 1)[1]  # wrapped onto more lines
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60


def test_emulator_help_names_a_readme_section_that_exists(tmp_path: Path) -> None:
    done = run_sora("emulator", "--help", env={"COLUMNS": "200", "SORA_HOME": str(tmp_path)})
    named = re.findall(r'README "([^"]+)"', done.stdout)
    assert named
    headings = re.findall(r"^#+ (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    for title in (" ".join(name.split()) for name in named):
        assert title in headings, f"README has no section {title!r}"


def test_download_bar_uses_binary_units_and_shows_a_speed() -> None:
    console, _, err = _console()
    display = console.download_display("clip.mp4")
    display.update(3 * 1024 * 1024, 3 * 1024 * 1024)  # one chunk: too few samples for rich
    display.close()
    from tests.test_console_tty import _screen

    last = [row for row in _screen(err.getvalue()) if row][-1]  # the bar as it was left
    assert "3.0/3.0 MiB" in last
    assert re.search(r"\d+(\.\d)? (KiB|MiB|GiB)/s", last), last
    assert "?" not in last and " MB" not in last and " kB" not in last


def test_batch_rows_show_a_percentage() -> None:
    console, _, err = _console()
    display = BatchDisplay(console, 2, json_lines=False)
    line = _line(1)
    display.created(line, "video_1", reattached=False)
    display.progress(line, Task(id="video_1", status="in_progress", progress=16))
    display.close()
    shown = _plain(err.getvalue())
    assert "16%" in shown and "16/100" not in shown
    assert "0/2" in shown  # the batch itself counts lines


def test_batch_counter_leaves_skipped_lines_out(cli: Cli, tmp_path: Path) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("".join(f"fish {i}\n" for i in range(5)), encoding="utf-8")
    result = cli("batch", str(prompts), "-O", str(tmp_path), "--max-cost", "0.45")
    assert result.exit_code == 6
    counters = re.findall(r"\[(\d+)/(\d+)\]", result.stderr)
    assert sorted(counters) == [("1", "3"), ("2", "3"), ("3", "3")], result.stderr


def test_batch_display_counts_skipped_lines_apart() -> None:
    console, _, err = _console()
    display = BatchDisplay(console, 3, json_lines=False)
    display.finished(LineResult(_line(3), "skipped", error="not created: --max-cost 0.3"))
    display.close()
    shown = _plain(err.getvalue())
    assert "0/2" in shown and "1 skipped" in shown


def test_every_byte_count_is_in_one_binary_family(tmp_path: Path) -> None:
    from sora_cli.commands._saved import describe_saved
    from sora_cli.console import binary_size

    assert [binary_size(n) for n in (512, 58_573, 4_300_000, 3 * 2**30)] == [
        "512 B",
        "57.2 KiB",
        "4.1 MiB",
        "3.0 GiB",
    ]
    small = tmp_path / "small.mp4"
    small.write_bytes(b"\0\0\0\x10ftypisom\0\0\0\0" + bytes(58_557))
    assert describe_saved(small, 58_573) == f"saved {small} (57.2 KiB)"  # not "0.1 MiB"
