"""`sora batch` on the emulator: 50 tasks against the ideal, and 1,000 tasks under load.

Ideal = the emulator's queue + generation time (every task runs in parallel) + the time of
one `sora download`. Bound: batch wall / ideal <= 1.2 for 50 tasks of 20 s each.

The 1,000-task run uses short timings and reports what a big batch costs and whether it
keeps the API's limits (reference "Batch Generation": at most 10 polls in flight, 10
creates, 5 downloads; and no task polled more often than --poll-interval): polls per minute,
CPU seconds, peak RSS and journal writes (SQLite transactions, counted by a wrapper that
runs sora's own entry point).

`--naive-sample N` also times N `sora generate` runs one after another, as a shell loop
would, and extrapolates to the batch (off by default: each costs a whole generation).
Usage: python benchmarks/batch.py [--tasks 50] [--gen-seconds 20] [--many 1000]
       [--many-gen-seconds 2] [--naive-sample N] [--repeat 1] [--check]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import urllib.request
from argparse import Namespace
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import KEY, Command, Run, Verdict, compile_sora, emulator, parser, report, run, sora

from sora_cli.emulator.stats import MAX_RECORDED

POLL_INTERVAL = 1.0  # the smallest the CLI accepts
CAPS = {"status": 10, "create": 10, "content": 5}  # requests in flight (sora_cli.batch)
COUNTING_SORA = """\
import atexit, itertools, sys
from sora_cli.journal import Journal
writes, write, report_to = itertools.count(), Journal._write, sys.argv.pop(1)
def counted(self):
    next(writes)
    return write(self)
Journal._write = counted
atexit.register(lambda: open(report_to, "w").write(str(next(writes))))
sys.argv[0] = "sora"
from sora_cli.entry import main
main()
"""


@dataclass(frozen=True)
class BatchRun:
    """One `sora batch` process and what the emulator and the journal saw of it."""

    run: Run
    journal_writes: int
    polls: int
    in_flight: dict[str, int]
    shortest_poll_gap: float


def batch_flags(queue: float, gen: float) -> list[str]:
    """The emulator's timings for a batch."""
    return ["--queue-seconds", str(queue), "--gen-seconds", str(gen)]


def emulator_stats(base_url: str, path: str = "stats") -> dict[str, Any]:
    """The emulator's request log (GET) or a reset of it (POST)."""
    method = "GET" if path == "stats" else "POST"
    url = f"{base_url.removesuffix('/v1')}/__emulator__/{path}"
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
        answer: dict[str, Any] = json.loads(r.read() or b"{}")
        return answer


def run_batch(base_url: str, tasks: int, tmp: Path, name: str) -> BatchRun:
    """Run `sora batch` of `tasks` prompts in a fresh SORA_HOME; what it cost and sent."""
    home = tmp / name
    out = home / "out"
    out.mkdir(parents=True)
    prompts = home / "prompts.txt"
    prompts.write_text("".join(f"benchmark cat {i}\n" for i in range(tasks)))
    writes = home / "journal-writes"
    env = {**os.environ, "SORA_HOME": str(home), "SORA_BASE_URL": base_url, "SORA_API_KEY": KEY}
    emulator_stats(base_url, "reset")
    argv = [sys.executable, "-c", COUNTING_SORA, str(writes), "batch", str(prompts)]
    argv += ["-O", str(out), "-q", "--poll-interval", str(POLL_INTERVAL), "--timeout", "3600"]
    timed = run(Command(argv, env))
    saved = len(list(out.glob("*.mp4")))
    if saved != tasks:
        raise SystemExit(f"sora batch saved {saved} videos of {tasks}")
    stats = emulator_stats(base_url)
    if len(stats["requests"]) >= MAX_RECORDED:
        raise SystemExit("the emulator's request log is full: fewer tasks, or longer polls")
    times: dict[str, list[float]] = defaultdict(list)
    for entry in stats["requests"]:
        if entry["route"] == "status":
            times[entry["path"]].append(entry["time"])
    gaps = [b - a for seen in times.values() for a, b in pairwise(sorted(seen))]
    return BatchRun(
        timed,
        int(writes.read_text()),
        sum(len(seen) for seen in times.values()),
        {route: stats["max_in_flight"].get(route, 0) for route in CAPS},
        min(gaps, default=float("inf")),
    )


def one_download(base_url: str, tmp: Path) -> float:
    """Wall seconds of one `sora download` of a task the first batch finished: part of the
    ideal."""
    home = tmp / "batch-0"
    task_id = next((home / "out").glob("sora-*.mp4")).name.removeprefix("sora-")[: -len(".mp4")]
    env = {**os.environ, "SORA_HOME": str(home), "SORA_BASE_URL": base_url, "SORA_API_KEY": KEY}
    return run(Command([sora(), "download", task_id, "-o", str(tmp / "x.mp4"), "-q"], env)).wall


def naive_loop(base_url: str, tmp: Path, sample: int, tasks: int) -> float:
    """`sora generate` one prompt after another, extrapolated to `tasks` prompts."""
    env = {**os.environ, "SORA_HOME": str(tmp), "SORA_BASE_URL": base_url, "SORA_API_KEY": KEY}
    total = 0.0
    for i in range(sample):
        out = str(tmp / f"naive-{i}.mp4")
        argv = [sora(), "generate", f"naive {i}", "-q", "--poll-interval", "1", "-o", out]
        total += run(Command(argv, env)).wall
    return total / sample * tasks


def main() -> int:
    """Run both batches, print the figures and the verdicts."""
    p = parser(__doc__, repeat=1)
    p.add_argument("--tasks", type=int, default=50)
    p.add_argument("--gen-seconds", type=float, default=20.0)
    p.add_argument("--queue-seconds", type=float, default=1.0)
    p.add_argument("--many", type=int, default=1000, help="tasks of the big batch (0: skip)")
    p.add_argument("--many-gen-seconds", type=float, default=2.0)
    p.add_argument("--naive-sample", type=int, default=0)
    args = p.parse_args()
    if args.warmup:
        compile_sora()
    flags = batch_flags(args.queue_seconds, args.gen_seconds)
    many_flags = batch_flags(args.queue_seconds, args.many_gen_seconds)
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        base_url = stack.enter_context(emulator(*flags))
        verdicts = [against_ideal(args, base_url, tmp)]
        if args.many:
            if many_flags != flags:  # same timings (a quick run): one emulator for both
                base_url = stack.enter_context(emulator(*many_flags))
            big = run_batch(base_url, args.many, tmp, "many")
            verdicts += describe_many(args.many, args.many_gen_seconds, big)
    return report(verdicts, args.check)


def against_ideal(args: Namespace, base_url: str, tmp: Path) -> Verdict:
    """Run the batch `--repeat` times and print it beside the ideal (and the naive loop)."""
    walls = [
        run_batch(base_url, args.tasks, tmp, f"batch-{i}").run.wall for i in range(args.repeat)
    ]
    ideal = args.queue_seconds + args.gen_seconds + one_download(base_url, tmp)
    wall = statistics.median(walls)
    print(f"{args.tasks} tasks of {args.gen_seconds:g} s")
    print(f"  ideal       {ideal:7.1f} s  (queue + generation + one download)")
    print(f"  sora batch  {wall:7.1f} s  ratio to ideal {wall / ideal:4.2f}")
    if args.naive_sample:
        naive = naive_loop(base_url, tmp, args.naive_sample, args.tasks)
        print(
            f"  naive loop  {naive:7.1f} s  (extrapolated from {args.naive_sample}; "
            f"{naive / wall:4.1f}x sora batch)"
        )
    name = f"batch {args.tasks} x {args.gen_seconds:g} s vs ideal"
    return Verdict(name, wall / ideal, 1.2, "x", f"{wall:.1f} s vs {ideal:.1f} s")


def describe_many(tasks: int, gen: float, big: BatchRun) -> list[Verdict]:
    """Print the big batch's costs; the limits it must keep, as verdicts."""
    minutes = big.run.wall / 60
    print(f"{tasks} tasks of {gen:g} s")
    print(f"  wall            {big.run.wall:7.1f} s")
    print(
        f"  polls           {big.polls:7d}  ({big.polls / minutes:.0f} per minute; limits: one "
        f"per task every {POLL_INTERVAL:g} s, {CAPS['status']} in flight)"
    )
    print(f"  CPU             {big.run.cpu:7.1f} s  ({big.run.cpu / tasks * 1000:.1f} ms a task)")
    print(f"  peak RSS        {big.run.rss_mib:7.1f} MiB")
    print(f"  journal writes  {big.journal_writes:7d}  ({big.journal_writes / tasks:.1f} a task)")
    print(f"  shortest gap between two polls of one task: {big.shortest_poll_gap:.2f} s")
    verdicts = [
        Verdict(
            f"batch {tasks}: {route} in flight / cap",
            big.in_flight[route] / cap,
            1.0,
            "",
            f"{big.in_flight[route]} in flight, cap {cap}",
        )
        for route, cap in CAPS.items()
    ]
    verdicts.append(
        Verdict(
            f"batch {tasks}: poll interval / shortest gap",
            POLL_INTERVAL / big.shortest_poll_gap,
            1.0,
            "",
            f"shortest gap {big.shortest_poll_gap:.2f} s, interval {POLL_INTERVAL:g} s",
        )
    )
    return verdicts


if __name__ == "__main__":
    raise SystemExit(main())
