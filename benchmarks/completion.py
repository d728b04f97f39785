"""A Tab press (`_SORA_COMPLETE=complete_bash ... sora`) against `python -c "import typer"`.

Bound: every completion <= 1.3x the bare Typer import, whole process included, as a shell
runs it, in interleaved rounds. The cases cover the three kinds of callback: subcommand names
(Typer alone), the active profile's values (reads the config file) and task ids (reads a
journal of 500 tasks with sqlite3).

Both sides run from bytecode, as an installed `sora` does (see `_util.child_env`).
Usage: python benchmarks/completion.py [--repeat N] [--check]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import (
    Command,
    Verdict,
    completion_env,
    interleaved,
    make_home,
    ms,
    parser,
    report,
    sora,
)

BOUND = 1.3
BASELINE = "import typer"
CASES = {
    "subcommands": "sora ",
    "generate --size": "sora generate --size ",
    "generate --seconds (openai)": "sora generate --profile openai --seconds ",
    "status ID": "sora status ",
    "download ID prefix": "sora download video_00",
}


def main() -> int:
    """Print every case's median and ratio; with --check, exit 1 past 2x the bound."""
    args = parser(__doc__, repeat=15).parse_args()
    exe = sora()
    with tempfile.TemporaryDirectory() as tmp:
        make_home(Path(tmp))
        env = {**os.environ, "SORA_HOME": tmp}
        commands = {BASELINE: Command([sys.executable, "-c", "import typer"], env)}
        commands |= {
            name: Command([exe], completion_env(env, line)) for name, line in CASES.items()
        }
        series = interleaved(commands, args.repeat, args.warmup)
    base = series[BASELINE]
    print(f"{'python -c ' + repr(BASELINE):<36} {base.wall * 1000:7.1f} ms")
    verdicts = []
    for name in CASES:
        timed, ratio = series[name], series[name].ratio_to(base)
        print(f"{'Tab: ' + name:<36} {timed.wall * 1000:7.1f} ms  ratio {ratio:4.2f}")
        detail = f"{ms(timed.wall)} vs {ms(base.wall)}"
        verdicts.append(Verdict(f"Tab: {name}", ratio, BOUND, "x import typer", detail))
    return report(verdicts, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
