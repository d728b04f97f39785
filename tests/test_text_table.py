"""The terminal table of `sora list`, `models` and `doctor`: fitting rules and wide text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sora_cli.text_table import cut, fold, render, text_width

COLUMNS = ["ID", "CREATED", "STATUS", "SIZE", "PROMPT", "FILE"]
ROW = [
    "video_0123456789",
    "2026-11-30 07:00",
    "completed",
    "1280x720",
    "a very long prompt about a cat riding a skateboard down a hill",
    "/home/someone/videos/a-cat.mp4",
]
RULES = {"keep": ("ID",), "give_way": ("PROMPT",), "drop": ("SIZE", "CREATED")}


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_a_wide_terminal_shows_everything_aligned() -> None:
    lines = _lines(render(COLUMNS, [ROW, ROW], 300, **RULES))
    assert len(lines) == 3
    assert lines[0].split() == COLUMNS
    for line in lines[1:]:
        assert line.index("completed") == lines[0].index("STATUS")
        assert ROW[4] in line and ROW[5] in line
    assert all(line == line.rstrip() for line in lines)


def test_narrowing_cuts_the_prompt_first_then_drops_then_folds() -> None:
    natural = max(len(line) for line in _lines(render(COLUMNS, [ROW], 300, **RULES)))
    cut_only = _lines(render(COLUMNS, [ROW], natural - 20, **RULES))
    assert all(len(line) <= natural - 20 for line in cut_only)
    assert "…" in cut_only[1] and "SIZE" in cut_only[0]  # nothing dropped yet
    dropped = _lines(render(COLUMNS, [ROW], 60, **RULES))
    assert all(len(line) <= 60 for line in dropped)
    assert "SIZE" not in dropped[0] and "CREATED" not in dropped[0]
    assert ROW[0] in dropped[1]  # the id is never shortened
    folded = _lines(render(COLUMNS, [ROW], 50, **RULES))
    assert all(len(line) <= 50 for line in folded)
    assert ROW[0] in folded[1]
    file_column = folded[0].index("FILE")
    assert "".join(line[file_column:].strip() for line in folded[1:]) == ROW[5]  # whole


def test_a_dropped_column_gives_its_room_back_to_the_prompt() -> None:
    lines = _lines(render(COLUMNS, [ROW], 95, **RULES))
    assert all(len(line) <= 95 for line in lines)
    prompt = lines[1][lines[0].index("PROMPT") :].split("  ")[0]
    assert len(prompt) > 12, lines  # more than the floor it was cut to before the drop


def test_bold_header_only_when_asked() -> None:
    assert render(["A"], [["x"]], 80, bold_header=True).startswith("\x1b[1mA\x1b[0m\n")
    assert "\x1b" not in render(["A"], [["x"]], 80)


def test_wide_characters_take_two_cells() -> None:
    assert text_width("猫が走る") == 8
    assert text_width("e\u0301") == 1  # a combining accent takes none
    lines = _lines(render(["ID", "PROMPT"], [["v1", "猫がスケボーに乗る"], ["v2", "cat"]], 80))
    assert lines[1].index("猫") == lines[2].index("cat")
    narrow = _lines(render(["ID", "PROMPT"], [["v1", "猫" * 30]], 20, give_way=("PROMPT",)))
    assert all(text_width(line) <= 20 for line in narrow)


@given(st.text(min_size=0, max_size=60), st.integers(min_value=2, max_value=30))
def test_fold_keeps_every_character_and_cut_keeps_the_width(text: str, width: int) -> None:
    folded = fold(text, width)
    assert "".join(folded).replace(" ", "") == text.replace(" ", "")  # only breaks' spaces go
    assert all(text_width(line) <= width for line in folded)
    shortened = cut(text, width)
    assert text_width(shortened) <= width
    assert shortened == text or shortened.endswith("…")


def test_fold_breaks_at_spaces_and_cuts_only_words_too_long() -> None:
    assert fold("completed (not downloaded)", 12) == ["completed", "(not", "downloaded)"]
    assert fold("/home/someone/videos/a-cat.mp4", 12) == ["/home/someon", "e/videos/a-c", "at.mp4"]


_CELL = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)


@given(
    st.lists(st.lists(_CELL, min_size=5, max_size=5), min_size=1, max_size=4),
    st.integers(min_value=16, max_value=200),  # the id alone fits
)
def test_no_line_is_wider_than_the_terminal_when_the_kept_column_fits(
    rows: list[list[str]], room: int
) -> None:
    columns = ["ID", "STATUS", "SIZE", "PROMPT", "FILE"]
    rows = [["video_0123456789", *row[1:]] for row in rows]
    rules = {"keep": ("ID",), "give_way": ("PROMPT",), "drop": ("SIZE",)}
    lines = render(columns, rows, room, **rules).splitlines()  # type: ignore[arg-type]
    assert all(text_width(line) <= room for line in lines), (room, lines)
    assert all(row[0] in "".join(lines) for row in rows)  # the id is never shortened


def test_sora_models_columns_fit_from_40_cells_and_keep_the_model_whole() -> None:
    from sora_cli.model_listing import listed_entries, table_rows
    from sora_cli.profiles import PROFILES

    for profile in PROFILES.values():
        for served in (None, {"muse-video", "sora-2"}):
            columns, rows = table_rows(listed_entries(profile, served), served)
            for room in range(40, 201, 7):
                lines = render(columns, rows, room, keep=("MODEL",)).splitlines()
                assert all(text_width(line) <= room for line in lines), (room, lines)
                for row in rows:
                    assert any(row[0] in line for line in lines), (room, row[0])
