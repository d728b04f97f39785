"""`sora download` against a bare httpx stream and curl, from an independent server.

The server (`video_server.py`, not the project's emulator) serves a real clip padded with
random bytes, once at full speed and once throttled to a 1 Gbit/s link (120 MiB/s). One run
interleaves the three clients round by round and prints times, ratios and sora's peak RSS.

Bounds: at full speed `sora download` <= 1.15x the bare httpx stream of the same body (sora's
own start-up, status call and checks included) and peak RSS <= 40 MiB. Over the throttled
link, the time sora spends on the bytes (a run of the whole size less a run of 1 MiB, which
is start-up, the status call and the checks) <= 1.1x curl's: the link, not the client, is the
limit. The whole run <= 1.1x curl too; there sora's start-up (Python, Typer and httpx: about
0.2 s, against curl's 10 ms) counts, so it needs a body of a few hundred MiB. Every client
writes a new file each run. Without curl the rows against curl are skipped with a note.
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
START_BYTES = 1024 * 1024  # a body this small times a client's start, not its bytes
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
    """sora, bare httpx and (where installed) curl, each fetching the same body.

    Before each run, untimed, the file the last run wrote is removed and the disk synced: each
    client writes a new file with no earlier run's writeback under way. (Overwriting costs
    differ by method and say nothing of the client: curl and httpx truncate the old file,
    `sora --force` renames over it, and ext4 flushes or frees blocks for either.)
    """
    task_id = f"video_{size}_{rate}"
    url = f"{base_url.removesuffix('/v1')}/files/{size}_{rate}.mp4"
    out = tmp / f"{task_id}.mp4"

    found = {
        "sora": _fresh([sora(), "download", task_id, "-o", f"{out}.sora", "-q"], env, out, "sora"),
        "httpx": _fresh(
            [sys.executable, "-c", BARE_HTTPX, url, f"{out}.httpx"], None, out, "httpx"
        ),
    }
    curl = shutil.which("curl")
    if curl:
        found["curl"] = _fresh([curl, "-sf", "-o", f"{out}.curl", url], None, out, "curl")
    return found


def _fresh(argv: list[str], env: dict[str, str] | None, out: Path, client: str) -> Command:
    """A client's command, writing `out.<client>`, removed before each run."""
    written = out.with_name(f"{out.name}.{client}")
    return Command(argv, env, before=lambda: _remove(written))


def _remove(path: Path) -> None:
    """Remove a client's last output (and a `.part`), then let the disk catch up."""
    for stale in (path, path.with_name(path.name + ".part")):
        stale.unlink(missing_ok=True)
    os.sync()


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
        if throttled >= 4 * START_BYTES:  # what each client costs besides the bytes
            runs |= {
                ("1gbit start", k): v
                for k, v in clients(base_url, START_BYTES, LINK_RATE, tmp, env).items()
            }
        by_name = interleaved(
            {f"{mode} {who}": c for (mode, who), c in runs.items()}, args.repeat, args.warmup
        )
        for path in tmp.glob("video_*.mp4.*"):
            expected = int(path.name.split("_")[1])
            assert path.stat().st_size == expected, f"{path.name}: wrong size"
    full_series, link_series, start_series = (
        {who: by_name[f"{mode} {who}"] for m, who in runs if m == mode}
        for mode in ("full", "1gbit", "1gbit start")
    )
    describe("full speed", args.mib, full_series)
    describe("throttled to 1 Gbit/s", args.throttled_mib, link_series)
    if start_series:
        describe("throttled to 1 Gbit/s, the start alone", START_BYTES / 2**20, start_series)
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
        if start_series:
            sora_bytes = sora_link.wall - start_series["sora"].wall
            curl_bytes = curl.wall - start_series["curl"].wall
            verdicts.append(
                Verdict(
                    "download 1 Gbit/s: the bytes' time vs curl's",
                    sora_bytes / curl_bytes,
                    1.1,
                    "x",
                    f"{sora_bytes:.2f} s vs {curl_bytes:.2f} s: {args.throttled_mib:g} MiB "
                    f"less {START_BYTES // 2**20} MiB, is sora link-bound",
                )
            )
        else:
            print("note: the throttled body is too small to tell the bytes from the start")
        verdicts.append(
            Verdict(
                f"download 1 Gbit/s {args.throttled_mib:g} MiB vs curl, whole run",
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
