"""`sora download` against a bare httpx stream and curl, from an independent server.

The server (`video_server.py`, not the project's emulator) serves a real clip padded with
random bytes, once at full speed and once throttled to a 1 Gbit/s link (120 MiB/s). One run
interleaves the three clients round by round and prints times, ratios and sora's peak RSS.

Bounds: at full speed `sora download` <= 1.15x the bare httpx stream of the same body (sora's
own start-up, status call and checks included) and peak RSS <= 40 MiB; over the throttled link
sora <= 1.1x curl (the link, not the client, should be the limit; sora's start-up counts, so
that bound needs a body of a few hundred MiB). Without curl those rows are skipped with a note.
Usage: python benchmarks/download.py [--mib 256] [--throttled-mib 256] [--repeat 3] [--check]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import KEY, Command, Series, Verdict, interleaved, parser, report, served, sora

LINK_RATE = 120 * 1024 * 1024  # 1 Gbit/s, in bytes per second
BARE_HTTPX = """\
import sys, httpx
url, out = sys.argv[1:]
with httpx.stream("GET", url) as response, open(out, "wb") as sink:
    response.raise_for_status()
    for chunk in response.iter_bytes():
        sink.write(chunk)
"""


def clients(
    base_url: str, size: int, rate: int, tmp: Path, env: dict[str, str]
) -> dict[str, Command]:
    """sora, bare httpx and (where installed) curl, each fetching the same body."""
    task_id = f"video_{size}_{rate}"
    url = f"{base_url.removesuffix('/v1')}/files/{size}_{rate}.mp4"
    out = tmp / f"{task_id}.mp4"
    found = {
        "sora": Command([sora(), "download", task_id, "-o", f"{out}.sora", "--force", "-q"], env),
        "httpx": Command([sys.executable, "-c", BARE_HTTPX, url, f"{out}.httpx"]),
    }
    curl = shutil.which("curl")
    if curl:
        found["curl"] = Command([curl, "-sf", "-o", f"{out}.curl", url])
    return found


def describe(label: str, mib: float, series: dict[str, Series]) -> None:
    """One line per client: median time, throughput, ratios and peak RSS."""
    print(f"{label}: {mib:g} MiB")
    for name, timed in series.items():
        ratios = "  ".join(
            f"{timed.ratio_to(other):4.2f}x {other_name}"
            for other_name, other in series.items()
            if other_name != name
        )
        print(
            f"  {name:<6} {timed.wall:6.2f} s  {mib / timed.wall:6.0f} MiB/s  "
            f"peak RSS {timed.rss_mib:5.1f} MiB  {ratios}"
        )


def main() -> int:
    """Start the server, run the rounds, print the figures and the verdicts."""
    p = parser(__doc__, repeat=3)
    p.add_argument("--mib", type=float, default=256, help="size at full speed")
    p.add_argument("--throttled-mib", type=float, default=256, help="size over the 1 Gbit/s link")
    args = p.parse_args()
    full, throttled = (int(mib * 1024 * 1024) for mib in (args.mib, args.throttled_mib))
    server = [sys.executable, str(Path(__file__).with_name("video_server.py"))]
    server += ["--max-mib", str(max(args.mib, args.throttled_mib)), "--exit-with-stdin"]
    with served(server) as base_url, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "SORA_HOME": tmp_name, "SORA_BASE_URL": base_url, "SORA_API_KEY": KEY}
        runs = {("full", k): v for k, v in clients(base_url, full, 0, tmp, env).items()}
        runs |= {
            ("1gbit", k): v for k, v in clients(base_url, throttled, LINK_RATE, tmp, env).items()
        }
        by_name = interleaved(
            {f"{mode} {who}": c for (mode, who), c in runs.items()}, args.repeat, args.warmup
        )
        for path in tmp.glob("video_*.mp4.*"):
            expected = full if path.name.startswith(f"video_{full}_0.") else throttled
            assert path.stat().st_size == expected, f"{path.name}: wrong size"
    full_series = {who: by_name[f"full {who}"] for mode, who in runs if mode == "full"}
    link_series = {who: by_name[f"1gbit {who}"] for mode, who in runs if mode == "1gbit"}
    describe("full speed", args.mib, full_series)
    describe("throttled to 1 Gbit/s", args.throttled_mib, link_series)
    sora_full, sora_link = full_series["sora"], link_series["sora"]
    verdicts = [
        Verdict(
            f"download {args.mib:g} MiB vs bare httpx",
            sora_full.ratio_to(full_series["httpx"]),
            1.15,
            "x",
            f"{sora_full.wall:.2f} s vs {full_series['httpx'].wall:.2f} s",
        ),
        Verdict("download peak RSS", sora_full.rss_mib, 40, " MiB", "sora's own, at full speed"),
    ]
    if "curl" in full_series and args.mib / full_series["curl"].wall < 2 * LINK_RATE / 2**20:
        print("note: curl got less than twice the link's speed: the server may be the limit")
    if "curl" in link_series:
        curl = link_series["curl"]
        verdicts.append(
            Verdict(
                f"download 1 Gbit/s {args.throttled_mib:g} MiB vs curl",
                sora_link.ratio_to(curl),
                1.1,
                "x",
                f"{sora_link.wall:.2f} s vs {curl.wall:.2f} s",
            )
        )
    else:
        print("note: curl is not installed: the rows against curl are skipped")
    return report(verdicts, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
