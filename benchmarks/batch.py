"""`sora batch` of 50 tasks on the emulator against the ideal and against a naive shell loop.

Ideal = the emulator's queue + generation time (every task runs in parallel) + the time of
one download. Target (issue 5): batch wall / ideal <= 1.2. The naive loop (`sora generate`
one prompt after another, as a shell `for` loop would) is timed on a few prompts and
extrapolated to the whole batch, to keep the benchmark short.
Usage: python benchmarks/batch.py [--tasks 50] [--gen-seconds 20] [--naive-sample 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _util import emulator, verdict

KEY = "sk-emulator-bench"
QUEUE_SECONDS = 1.0


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one command, which must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    """Start an emulator process, run the batch, then the naive sample."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--gen-seconds", type=float, default=20.0)
    parser.add_argument("--naive-sample", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    sora = shutil.which("sora") or sys.exit("sora is not installed in this environment")
    flags = ["--queue-seconds", str(QUEUE_SECONDS), "--gen-seconds", str(args.gen_seconds)]
    with emulator(*flags) as base_url, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SORA_HOME": tmp, "SORA_BASE_URL": base_url, "SORA_API_KEY": KEY}
        prompts = Path(tmp) / "prompts.txt"
        prompts.write_text("".join(f"benchmark cat {i}\n" for i in range(args.tasks)))
        out = Path(tmp) / "out"
        out.mkdir()
        batch = timed(
            [
                sora,
                "batch",
                str(prompts),
                "-O",
                str(out),
                "-q",
                "--poll-interval",
                "1",
                "--timeout",
                "3600",
            ],
            env,
        )
        assert len(list(out.glob("*.mp4"))) == args.tasks
        task_id = subprocess.run(
            [sora, "generate", "one more", "--no-download", "-q", "--poll-interval", "1"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        one_download = timed([sora, "download", task_id, "-o", str(Path(tmp) / "x.mp4"), "-q"], env)
        naive = 0.0
        for i in range(args.naive_sample):
            naive += timed(
                [
                    sora,
                    "generate",
                    f"naive {i}",
                    "-q",
                    "--poll-interval",
                    "1",
                    "-o",
                    str(Path(tmp) / f"naive-{i}.mp4"),
                ],
                env,
            )
    ideal = QUEUE_SECONDS + args.gen_seconds + one_download
    naive_total = naive / max(args.naive_sample, 1) * args.tasks
    ratio = batch / ideal
    print(f"tasks                 {args.tasks} (generation {args.gen_seconds:g} s each)")
    print(f"ideal                 {ideal:7.1f} s  (queue + generation + one download)")
    print(
        f"sora batch            {batch:7.1f} s  ratio to ideal {ratio:4.2f}  (target <= 1.2)  "
        f"{verdict(ratio, 1.2)}"
    )
    print(
        f"naive shell loop      {naive_total:7.1f} s  (extrapolated from {args.naive_sample}; "
        f"{naive_total / batch:4.1f}x slower than sora batch)"
    )
    return 1 if args.check and ratio > 1.2 * 1.5 else 0


if __name__ == "__main__":
    raise SystemExit(main())
