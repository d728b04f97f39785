"""The MP4 header walker: real emulator clips, hand-built edge cases, and fuzzing (issue 6)."""

from __future__ import annotations

import re
import struct
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_cli.mp4 import Mp4Info, parse_mp4, read_info

ASSETS = Path(str(resources.files("sora_cli.emulator") / "assets"))
CLIPS = sorted(ASSETS.glob("*.mp4"))
_NAME = re.compile(r"^(\d+)x(\d+)-(\d+)s\.mp4$")


def box(kind: bytes, payload: bytes, *, wide: bool = False) -> bytes:
    """One box; `wide` uses the 64-bit largesize form."""
    if wide:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mvhd(timescale: int, duration: int, version: int = 0) -> bytes:
    if version == 1:
        fields = struct.pack(">QQIQ", 1, 2, timescale, duration)
    else:
        fields = struct.pack(">IIII", 1, 2, timescale, duration)
    return box(b"mvhd", bytes([version, 0, 0, 0]) + fields + bytes(80))


def tkhd(width: int, height: int, version: int = 0) -> bytes:
    if version == 1:
        times = struct.pack(">QQIIQ", 1, 2, 1, 0, 300)
    else:
        times = struct.pack(">IIIII", 1, 2, 1, 0, 300)
    tail = bytes(8 + 8 + 36) + struct.pack(">II", width << 16, height << 16)
    return box(b"tkhd", bytes([version, 0, 0, 7]) + times + tail)


def mdia(handler: bytes, timescale: int = 0, duration: int = 0) -> bytes:
    hdlr = box(b"hdlr", bytes(8) + handler + bytes(12) + b"handler\0")
    mdhd = box(b"mdhd", bytes(4) + struct.pack(">IIII", 1, 2, timescale, duration) + bytes(4))
    return box(b"mdia", mdhd + hdlr)


def mp4(*top: bytes) -> bytes:
    return box(b"ftyp", b"isom\0\0\2\0isomiso2avc1mp41") + b"".join(top)


@pytest.mark.parametrize("clip", CLIPS, ids=[c.name for c in CLIPS])
def test_emulator_clips_report_their_size_and_duration(clip: Path) -> None:
    match = _NAME.match(clip.name)
    assert match, clip.name
    width, height, seconds = (int(g) for g in match.groups())
    info = read_info(clip)
    assert info == Mp4Info(float(seconds), width, height)
    assert info.resolution == f"{width}x{height}"
    assert parse_mp4(clip.read_bytes()) == info


def test_a_padded_clip_with_a_64_bit_free_box_still_reads(tmp_path: Path) -> None:
    clip = (ASSETS / "1280x720-10s.mp4").read_bytes()
    padded = tmp_path / "padded.mp4"
    padded.write_bytes(clip + box(b"free", bytes(1000), wide=True))
    assert read_info(padded) == Mp4Info(10.0, 1280, 720)


def test_version_1_headers_and_64_bit_boxes(tmp_path: Path) -> None:
    trak = box(b"trak", tkhd(1792, 1024, version=1) + mdia(b"vide"), wide=True)
    data = mp4(box(b"moov", mvhd(90000, 90000 * 12, version=1) + trak, wide=True))
    assert parse_mp4(data) == Mp4Info(12.0, 1792, 1024)
    path = tmp_path / "v1.mp4"
    path.write_bytes(data)
    assert read_info(path) == Mp4Info(12.0, 1792, 1024)


def test_moov_after_mdat_and_the_video_track_chosen_over_audio(tmp_path: Path) -> None:
    audio = box(b"trak", tkhd(0, 0) + mdia(b"soun"))
    video = box(b"trak", tkhd(720, 1280) + mdia(b"vide"))
    data = mp4(box(b"mdat", bytes(5000)), box(b"moov", mvhd(1000, 15000) + audio + video))
    path = tmp_path / "late.mp4"
    path.write_bytes(data)
    assert read_info(path) == Mp4Info(15.0, 720, 1280)


def test_a_last_box_of_size_zero_runs_to_the_end(tmp_path: Path) -> None:
    moov = box(b"moov", mvhd(600, 2400) + box(b"trak", tkhd(1280, 720) + mdia(b"vide")))
    open_ended = struct.pack(">I4s", 0, b"moov") + moov[8:]
    path = tmp_path / "zero.mp4"
    path.write_bytes(mp4(open_ended))
    assert read_info(path) == Mp4Info(4.0, 1280, 720)


def test_duration_falls_back_to_the_video_tracks_mdhd() -> None:
    trak = box(b"trak", tkhd(1280, 720) + mdia(b"vide", timescale=100, duration=800))
    assert parse_mp4(mp4(box(b"moov", trak))) == Mp4Info(8.0, 1280, 720)


def test_unknown_duration_and_missing_video_give_partial_or_no_info() -> None:
    assert parse_mp4(mp4(box(b"moov", mvhd(1000, 0xFFFFFFFF)))) is None
    assert parse_mp4(mp4(box(b"moov", mvhd(0, 10)))) is None
    assert parse_mp4(mp4(box(b"moov", mvhd(1000, 4000)))) == Mp4Info(4.0, None, None)
    assert Mp4Info(4.0, None, None).resolution is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        mp4(),  # no moov at all
        mp4(box(b"mdat", bytes(10))),
        struct.pack(">I4s", 4, b"moov"),  # size smaller than its header
        struct.pack(">I4s", 1, b"moov") + b"\0\0",  # truncated largesize
        struct.pack(">I4sQ", 1, b"moov", 2**63),  # largesize past the end
        mp4(box(b"moov", box(b"mvhd", b"\x07\0\0\0" + bytes(100)))),  # unknown version
        mp4(box(b"moov", box(b"mvhd", b"\0"))),  # short payload
        mp4(box(b"moov", box(b"trak", box(b"tkhd", b"\0\0\0\0")))),  # short tkhd
    ],
)
def test_malformed_input_gives_none(data: bytes, tmp_path: Path) -> None:
    assert parse_mp4(data) is None
    path = tmp_path / "bad.mp4"
    path.write_bytes(data)
    assert read_info(path) is None


def test_a_missing_file_gives_none(tmp_path: Path) -> None:
    assert read_info(tmp_path / "nope.mp4") is None


@given(st.binary(max_size=2048))
@settings(max_examples=300, deadline=None)
def test_fuzz_garbage_never_raises(data: bytes) -> None:
    # as a whole file, and as the contents of a moov box (so the inner walkers see it)
    for candidate in (data, mp4(box(b"moov", data))):
        info = parse_mp4(candidate)
        assert info is None or isinstance(info, Mp4Info)


_CLIP = (ASSETS / "720x1280-4s.mp4").read_bytes()


@given(st.lists(st.tuples(st.integers(0, 1300), st.integers(0, 255)), max_size=12))
@settings(max_examples=300, deadline=None)
def test_fuzz_corrupted_headers_of_a_real_clip_never_raise(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_CLIP)
    for offset, value in flips:  # moov sits in the first ~1.3 KiB of the clip
        data[offset] = value
    info = parse_mp4(bytes(data))
    assert info is None or isinstance(info, Mp4Info)


@given(st.binary(max_size=512))
@settings(max_examples=100, deadline=None)
def test_fuzz_read_info_on_garbage_files_never_raises(data: bytes) -> None:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        info = read_info(Path(handle.name))
    assert info is None or isinstance(info, Mp4Info)


# ---------------------------------------------------------------- is the file whole?


@pytest.mark.parametrize("clip", CLIPS[:3], ids=lambda p: p.name)
def test_a_whole_clip_is_whole_and_any_cut_is_not(clip: Path, tmp_path: Path) -> None:
    from sora_cli.mp4 import is_whole

    data = clip.read_bytes()
    target = tmp_path / "v.mp4"
    target.write_bytes(data)
    assert is_whole(target)
    for cut in (8, len(data) // 3, len(data) // 2, len(data) - 1):
        target.write_bytes(data[:cut])
        assert not is_whole(target), cut
    target.write_bytes(data + b"\0\0\0")  # bytes after the last box: not an MP4's end
    assert not is_whole(target)


def test_boxes_that_fill_the_file_without_moov_are_not_whole(tmp_path: Path) -> None:
    from sora_cli.mp4 import is_whole

    target = tmp_path / "v.mp4"
    ftyp = box(b"ftyp", b"isom\0\0\0\0isom")
    target.write_bytes(ftyp + box(b"mdat", b"\0" * 64))  # cut exactly before a trailing moov
    assert not is_whole(target)
    target.write_bytes(ftyp + box(b"mdat", b"\0" * 64, wide=True) + box(b"moov", b""))
    assert is_whole(target)
    target.write_bytes(ftyp + box(b"moov", b"") + box(b"free", b""))  # cut before the media
    assert not is_whole(target)
    assert not is_whole(tmp_path / "missing.mp4")


def _fed(data: bytes, sizes: list[int]) -> bool:
    from sora_cli.mp4 import BoxBoundaries

    boxes, at = BoxBoundaries(), 0
    for size in sizes:
        boxes.feed(data[at : at + size])
        at += size
    boxes.feed(data[at:])
    return boxes.whole()


SAMPLES = [
    CLIPS[0].read_bytes(),
    box(b"ftyp", b"isom\0\0\0\0isom")
    + box(b"free", b"")
    + box(b"mdat", b"\1" * 40, wide=True)
    + box(b"moov", b"\2" * 9),
]


@settings(max_examples=200, deadline=None)
@given(
    sample=st.sampled_from(SAMPLES),
    cut=st.floats(min_value=0, max_value=1),
    sizes=st.lists(st.integers(min_value=0, max_value=40), max_size=12),
)
def test_boxes_followed_in_passing_agree_with_the_file_check(
    sample: bytes, cut: float, sizes: list[int]
) -> None:
    """However the body is cut into chunks, and wherever it stops, the streaming check
    (`-o -`) says what the file check says."""
    import tempfile

    from sora_cli.mp4 import is_whole

    data = sample[: round(len(sample) * cut)] if cut < 1 else sample
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        path.write_bytes(data)
        assert _fed(data, sizes) == is_whole(path)
    assert _fed(sample, sizes)
