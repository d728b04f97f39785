"""Start-up time of `sora --version` and `sora --help` against `python -c "import typer"`.

Targets (issue 2): --version <= 1.2x, --help <= 2.0x the bare Typer import, in the same venv
and the same run. Usage: python benchmarks/startup.py [--repeat N] [--check]
"""

from __future__ import annotations

import argparse
import shutil
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _util import median_run, verdict

TARGETS = {"--version": 1.2, "--help": 2.0}


def main() -> int:
    """Print the figures; with --check, exit 1 when a ratio passes its target x slack."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="fail when over target x --slack")
    parser.add_argument("--slack", type=float, default=1.5)
    args = parser.parse_args()
    sora = shutil.which("sora") or sys.exit("sora is not installed in this environment")
    base = median_run([sys.executable, "-c", "import typer"], args.repeat)
    print(f"baseline  python -c 'import typer'  {base.wall * 1000:7.1f} ms")
    failed = False
    for flag, target in TARGETS.items():
        timed = median_run([sora, flag], args.repeat)
        ratio = timed.wall / base.wall
        print(
            f"sora {flag:<10}                {timed.wall * 1000:7.1f} ms  ratio {ratio:4.2f}"
            f"  (target <= {target})  {verdict(ratio, target)}"
        )
        failed |= ratio > target * args.slack
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
