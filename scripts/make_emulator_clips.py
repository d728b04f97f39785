#!/usr/bin/env python3
"""Write the emulator's small, real H.264 clips into sora_cli/emulator/assets/.

Development-time only: it needs PyAV (`pip install av`), which is not a runtime dependency.
The emulator ships the files this script makes, so clients download real, playable MP4s
(faststart: `moov` before `mdat`) instead of random bytes behind an `ftyp` header.

Each clip is a scrolling diagonal gradient with a slowly shifting tint and a bright square
moving across it: caption-free, cheap to encode at a high CRF, and obviously animated.
The frames are built from byte slices (no numpy), so the script needs only PyAV.

Usage: python scripts/make_emulator_clips.py [--out DIR] [--fps N] [--crf N]
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

import av

ASSETS = Path(__file__).resolve().parent.parent / "sora_cli" / "emulator" / "assets"

# (size, seconds) pairs: the laozhang profile's sizes with every duration either profile
# allows, plus OpenAI's tall/wide sizes with OpenAI's durations (see reference/).
CLIPS: list[tuple[str, int]] = [
    *[(size, sec) for size in ("1280x720", "720x1280") for sec in (4, 8, 10, 12, 15)],
    *[(size, sec) for size in ("1024x1792", "1792x1024") for sec in (4, 8, 12)],
]


def clip_name(size: str, seconds: int) -> str:
    """File name the emulator looks clips up by."""
    return f"{size}-{seconds}s.mp4"


def _gradient(length: int, period: int) -> bytes:
    """A luma ramp up and down (triangle wave), `length` bytes long."""
    out = bytearray(length)
    half = period // 2
    for i in range(length):
        phase = i % period
        level = phase if phase < half else period - phase
        out[i] = 40 + (level * 150) // half
    return bytes(out)


def _luma(width: int, height: int, t: int, ramp: bytes, step: int) -> bytes:
    """Diagonal gradient scrolled by `t` with a bright square on top."""
    plane = bytearray(width * height)
    shift = t * step
    for y in range(height):
        start = (y + shift) % (len(ramp) - width)
        plane[y * width : (y + 1) * width] = ramp[start : start + width]
    side = min(width, height) // 5
    travel = width - side
    x0 = (t * step * 3) % (2 * travel)
    x0 = x0 if x0 < travel else 2 * travel - x0
    y0 = (height - side) // 2
    row = b"\xeb" * side
    for y in range(y0, y0 + side):
        plane[y * width + x0 : y * width + x0 + side] = row
    return bytes(plane)


def make_clip(path: Path, width: int, height: int, seconds: int, fps: int, crf: int) -> None:
    """Encode one clip; `+faststart` puts `moov` first so a partial download is playable."""
    ramp = _gradient(width + height * 2 + 4096, period=max(width, height) // 2)
    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream(
            "libx264", rate=fps, options={"crf": str(crf), "preset": "veryslow"}
        )
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(seconds * fps):
            frame = av.VideoFrame(width, height, "yuv420p")
            step = max(2, min(width, height) // (fps * 6))
            frame.planes[0].update(_pad(_luma(width, height, index, ramp, step), frame, 0))
            tint = (index * 256) // (seconds * fps)
            u_value = 80 + (tint * 3) // 8
            v_value = 176 - (tint * 3) // 8
            frame.planes[1].update(_fill(frame, 1, u_value))
            frame.planes[2].update(_fill(frame, 2, v_value))
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _pad(data: bytes, frame: av.VideoFrame, index: int) -> bytes:
    """Fit tightly packed rows to the plane's line size (PyAV may align lines)."""
    plane = frame.planes[index]
    if plane.line_size == plane.width:
        return data
    pad = b"\x00" * (plane.line_size - plane.width)
    rows = [data[y * plane.width : (y + 1) * plane.width] + pad for y in range(plane.height)]
    return b"".join(rows)


def _fill(frame: av.VideoFrame, index: int, value: int) -> bytes:
    """A plane of one value."""
    return bytes([value]) * frame.planes[index].buffer_size


def _still(width: int, height: int, t: int, tint: int) -> av.VideoFrame:
    """One frame of the clip design, for the preview images."""
    frame = av.VideoFrame(width, height, "yuv420p")
    ramp = _gradient(width + height * 2 + 4096, period=max(width, height) // 2)
    step = max(2, min(width, height) // 24)
    frame.planes[0].update(_pad(_luma(width, height, t, ramp, step), frame, 0))
    frame.planes[1].update(_fill(frame, 1, 80 + (tint * 3) // 8))
    frame.planes[2].update(_fill(frame, 2, 176 - (tint * 3) // 8))
    return frame


def _write_image(path: Path, frame: av.VideoFrame, codec: str, pix_fmt: str) -> None:
    """Encode one frame as a single image file (WebP or JPEG)."""
    fmt = "webp" if codec == "libwebp" else "mjpeg"
    with av.open(str(path), mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=1)
        stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, pix_fmt
        if codec == "mjpeg":
            stream.codec_context.options = {"q:v": "8"}
        for packet in stream.encode(frame.reformat(format=pix_fmt)):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def make_previews(out: Path) -> None:
    """OpenAI's `variant=thumbnail` (WebP) and `variant=spritesheet` (a JPEG grid of frames)."""
    _write_image(out / "thumbnail.webp", _still(320, 180, 0, 0), "libwebp", "yuv420p")
    tiles = [_still(160, 90, t * 6, t * 60) for t in range(4)]
    lumas = [bytes(tile.planes[0]) for tile in tiles]
    line = tiles[0].planes[0].line_size
    rows = []
    for top, bottom in ((0, 1), (2, 3)):
        for y in range(90):
            start = y * line
            rows.append(lumas[top][start : start + 160] + lumas[bottom][start : start + 160])
    sheet = av.VideoFrame(320, 180, "yuv420p")
    sheet.planes[0].update(_pad(b"".join(rows), sheet, 0))
    sheet.planes[1].update(_fill(sheet, 1, 110))
    sheet.planes[2].update(_fill(sheet, 2, 150))
    _write_image(out / "spritesheet.jpg", sheet, "mjpeg", "yuvj420p")


def check_clip(path: Path, width: int, height: int, seconds: int) -> None:
    """Decode the file back and check its size, duration and box order."""
    data = path.read_bytes()
    boxes = _top_level_boxes(data)
    if boxes[0] != "ftyp" or boxes.index("moov") > boxes.index("mdat"):
        raise SystemExit(f"{path.name}: bad box order {boxes}")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        if (stream.codec_context.width, stream.codec_context.height) != (width, height):
            raise SystemExit(f"{path.name}: wrong dimensions")
        if container.duration is None:
            raise SystemExit(f"{path.name}: no duration")
        duration = container.duration / av.time_base
        if abs(duration - seconds) > 0.3 or frames == 0:
            raise SystemExit(f"{path.name}: duration {duration:.2f}s, {frames} frames")


def _top_level_boxes(data: bytes) -> list[str]:
    """Names of the top-level ISO BMFF boxes."""
    names: list[str] = []
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        names.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        if size < 8:
            raise SystemExit(f"bad box size at {offset}")
        offset += size
    return names


def main() -> int:
    """Make, then check, every clip."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS)
    parser.add_argument("--fps", type=int, default=4)
    parser.add_argument("--crf", type=int, default=40)
    parser.add_argument("--previews-only", action="store_true")
    args = parser.parse_args()
    if args.previews_only:
        make_previews(args.out)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for size, seconds in CLIPS:
        width, height = (int(part) for part in size.split("x"))
        path = args.out / clip_name(size, seconds)
        make_clip(path, width, height, seconds, args.fps, args.crf)
        check_clip(path, width, height, seconds)
        total += path.stat().st_size
        print(f"{path.name}: {path.stat().st_size:,} bytes", file=sys.stderr)
    make_previews(args.out)
    print(f"total: {total:,} bytes in {len(CLIPS)} clips (+ previews)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
