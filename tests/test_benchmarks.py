"""The benchmark scripts: each runs in its quickest mode, so a broken benchmark fails the
suite; and the rule `.ci/run` applies to their figures (warn over a bound, fail past 2x)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
from _util import Verdict, report  # noqa: E402

QUICKEST = {
    "startup.py": ["--repeat", "1"],
    "completion.py": ["--repeat", "1"],
    "download.py": ["--repeat", "1", "--mib", "1", "--throttled-mib", "1"],
    "batch.py": [
        *("--repeat", "1", "--tasks", "2", "--gen-seconds", "0.2", "--queue-seconds", "0"),
        *("--many", "5", "--many-gen-seconds", "0.2"),
    ],
}
FIGURES = {  # a verdict line each script must print
    "startup.py": ["sora list ", "sora list (on a terminal) ", "sora --version ", "sora <Tab> "],
    "completion.py": ["Tab: status ID "],
    "download.py": ["http: download 1 MiB vs bare httpx", "http: peak RSS"],
    "batch.py": ["batch 2 x 0.2 s vs ideal", "batch 5: status in flight / cap"],
}


def test_every_benchmark_runs_in_its_quickest_mode() -> None:
    """All four at once: most of their time is spent waiting on servers and child processes."""
    running = {
        script: subprocess.Popen(
            [sys.executable, str(BENCHMARKS / script), "--no-warmup", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for script, args in QUICKEST.items()
    }
    try:
        for script, proc in running.items():
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, (script, out, err)  # no --check: figures never fail
            lines = out.splitlines()
            verdicts = [line for line in lines if line.startswith(("ok", "WARNING", "FAIL"))]
            for figure in FIGURES[script]:
                assert any(figure in line for line in verdicts), (script, figure, out)
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()  # the script then stops the server it started
                proc.communicate()


def test_a_figure_over_its_bound_warns_and_only_twice_past_it_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    levels = [Verdict("x", value, 1.5, "x", "1 s vs 1 s").level for value in (1.5, 1.6, 3.0, 3.1)]
    assert levels == ["ok", "WARNING", "WARNING", "FAIL"]
    warned = [Verdict("slow", 2.9, 1.5, "x", "2.9 s vs 1.0 s")]
    assert report(warned, check=True) == 0
    out = capsys.readouterr().out
    assert "WARNING" in out and "2.9 s vs 1.0 s" in out  # the numbers behind the ratio
    failed = [Verdict("slower", 3.1, 1.5, "x", "3.1 s vs 1.0 s")]
    assert report(failed, check=False) == 0  # a plain run prints, never fails
    assert report(failed, check=True) == 1
    swayed = Verdict("https", 3.1, 1.5, "x", "3.1 s vs 1.0 s", can_fail=False)
    assert swayed.level == "WARNING" and report([swayed], check=True) == 0
