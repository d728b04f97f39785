"""`sora download` of a large emulator video against `curl` on the same URL.

Targets (issue 2): wall ratio <= 1.1 and peak RSS <= 50 MiB for 256 MiB. Also prints the
fixed cost of one `sora download` run (start-up, status call, journal), measured on the
unpadded clip, and the transfer-only ratio that remains once it is taken off.
Usage: python benchmarks/download.py [--mib 256] [--repeat 3] [--check]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _util import emulator, median_run, verdict

KEY = "sk-emulator-bench"


def bench_emulator(video_bytes: int | None) -> AbstractContextManager[str]:
    """The emulator with instant queueing, short generation and fast polls."""
    flags = ["--queue-seconds", "0", "--gen-seconds", "0.2", "--poll-after-ms", "100"]
    if video_bytes:
        flags += ["--video-bytes", str(video_bytes)]
    return emulator(*flags)


def make_task(sora: str, env: dict[str, str]) -> str:
    """A completed task on the emulator that `env` points at."""
    return subprocess.run(
        [sora, "generate", "benchmark", "--no-download", "-q"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> int:
    """Print the figures; with --check, exit 1 when over target x --slack."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--slack", type=float, default=1.5)
    args = parser.parse_args()
    sora = shutil.which("sora") or sys.exit("sora is not installed in this environment")
    curl = shutil.which("curl") or sys.exit("curl is needed as the baseline")
    size = args.mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        with bench_emulator(size) as base_url:
            env = {**os.environ, "SORA_HOME": tmp, "SORA_BASE_URL": base_url, "SORA_API_KEY": KEY}
            task_id = make_task(sora, env)
            url = f"{base_url}/videos/{task_id}/content"
            base = median_run(
                [curl, "-sf", "-o", str(out), "-H", f"Authorization: Bearer {KEY}", url],
                args.repeat,
            )
            assert out.stat().st_size == size
            timed = median_run(
                [sora, "download", task_id, "-o", str(out), "--force", "-q"], args.repeat, env
            )
            assert out.stat().st_size == size
        with bench_emulator(None) as base_url:
            env = {**env, "SORA_BASE_URL": base_url}
            small_id = make_task(sora, env)
            fixed = median_run(
                [sora, "download", small_id, "-o", str(out), "--force", "-q"], args.repeat, env
            )
    ratio = timed.wall / base.wall
    transfer = max(timed.wall - fixed.wall, 1e-6)
    print(f"video size          {args.mib} MiB")
    print(f"curl                {base.wall:6.2f} s  {args.mib / base.wall:7.0f} MiB/s")
    print(f"sora download       {timed.wall:6.2f} s  {args.mib / timed.wall:7.0f} MiB/s")
    print(f"wall ratio          {ratio:6.2f}  (target <= 1.1)  {verdict(ratio, 1.1)}")
    print(f"sora fixed cost     {fixed.wall:6.2f} s  (start-up, status call, journal; tiny file)")
    print(f"transfer-only ratio {transfer / base.wall:6.2f}  (sora minus its fixed cost, vs curl)")
    print(
        f"sora peak RSS       {timed.rss_mib:6.1f} MiB  (target <= 50)  "
        f"{verdict(timed.rss_mib, 50)}"
    )
    failed = ratio > 1.1 * args.slack or timed.rss_mib > 50 * args.slack
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
