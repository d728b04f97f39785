"""Start-up of every everyday command against `python -c "import typer"`, interleaved.

Bounds (median of back-to-back ratios): `list`, `status --help`, `generate --help`,
`download --help` and `--help` <= 1.6x the bare Typer import, `--version` <= 0.5x (it must not
import Typer at all), a Tab press (`sora <Tab>`) <= 1.3x; `benchmarks/completion.py` times
the other kinds of Tab press. `list` reads a journal of 500 tasks, as a long-used machine has.

Both sides run from bytecode, as an installed `sora` does (see `_util.child_env`).
Usage: python benchmarks/startup.py [--repeat N] [--check]
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

BASELINE = "import typer"
BOUNDS = {  # the arguments after `sora`, or a Tab press: bound as a ratio to the baseline
    "list": 1.6,
    "status --help": 1.6,
    "generate --help": 1.6,
    "download --help": 1.6,
    "--help": 1.6,
    "--version": 0.5,
    "<Tab>": 1.3,
}


def command(exe: str, words: str, env: dict[str, str]) -> Command:
    """`sora WORDS`, or for `<Tab>` what bash runs when Tab is pressed after `sora `."""
    if words == "<Tab>":
        return Command([exe], completion_env(env, "sora "))
    return Command([exe, *words.split()], env)


def main() -> int:
    """Print every command's median and ratio; with --check, exit 1 past 2x a bound."""
    args = parser(__doc__, repeat=15).parse_args()
    exe = sora()
    with tempfile.TemporaryDirectory() as tmp:
        make_home(Path(tmp))
        env = {**os.environ, "SORA_HOME": tmp}
        commands = {BASELINE: Command([sys.executable, "-c", "import typer"], env)}
        commands |= {f"sora {words}": command(exe, words, env) for words in BOUNDS}
        series = interleaved(commands, args.repeat, args.warmup)
    base = series[BASELINE]
    print(
        f"{'python -c ' + repr(BASELINE):<28} {base.wall * 1000:7.1f} ms  {base.rss_mib:5.1f} MiB"
    )
    verdicts = []
    for words, bound in BOUNDS.items():
        name = f"sora {words}"
        timed, ratio = series[name], series[name].ratio_to(base)
        print(
            f"{name:<28} {timed.wall * 1000:7.1f} ms  {timed.rss_mib:5.1f} MiB  ratio {ratio:4.2f}"
        )
        detail = f"{ms(timed.wall)} vs {ms(base.wall)}"
        verdicts.append(Verdict(name, ratio, bound, "x import typer", detail))
    return report(verdicts, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
