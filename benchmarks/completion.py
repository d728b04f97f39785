"""Time a Tab press: `_SORA_COMPLETE=complete_bash ... sora` against `python -c "import typer"`.

Target (issue 6): every completion answers in <= 100 ms, whole process included, as a shell
runs it. The cases cover the three kinds of callback: subcommand names (Typer alone), the
active profile's values (reads the config file) and task ids (reads a journal of 500 tasks
with sqlite3).

Both sides run from bytecode, as an installed `sora` does (pip compiles it at install time):
PYTHONDONTWRITEBYTECODE is dropped for the children and their bytecode goes to a private
PYTHONPYCACHEPREFIX, filled by each measurement's warm-up run. Without that, every run of
`sora` would recompile the package from source while `import typer` loads pip's bytecode.
Usage: python benchmarks/completion.py [--repeat N] [--check [--slack X]]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _util import median_run, verdict

TARGET_MS = 100.0
CASES = {
    "subcommands": "sora ",
    "generate --size": "sora generate --size ",
    "generate --seconds (openai)": "sora generate --profile openai --seconds ",
    "status ID": "sora status ",
    "download ID prefix": "sora download video_00",
}


def make_home(root: Path) -> None:
    """A SORA_HOME with a config file and a journal of 500 tasks."""
    from sora_cli.journal import JobRecord, Journal

    (root / "config.toml").write_text('profile = "laozhang"\nsize = "1280x720"\n')
    now = time.time()
    with Journal(root / "jobs.sqlite3") as journal:
        for i in range(500):
            journal.record(
                JobRecord(
                    id=f"video_{i:05d}",
                    prompt=f"benchmark prompt number {i}",
                    status="completed",
                    progress=100,
                    created_at=now - i,
                )
            )


def completion_env(base: dict[str, str], home: Path, line: str) -> dict[str, str]:
    """What bash's completion function passes to `sora`."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    return {
        **base,
        "SORA_HOME": str(home),
        "_SORA_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(cword),
    }


def main() -> int:
    """Print the figures; with --check, exit 1 when a case passes TARGET_MS x --slack."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="fail when over target x --slack")
    parser.add_argument("--slack", type=float, default=1.0)
    args = parser.parse_args()
    sora = shutil.which("sora") or sys.exit("sora is not installed in this environment")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        make_home(home)
        env = dict(os.environ)  # _util gives every run a private bytecode cache
        base = median_run([sys.executable, "-c", "import typer"], args.repeat, env=env)
        print(f"baseline  python -c 'import typer'      {base.wall * 1000:6.1f} ms")
        for name, line in CASES.items():
            timed = median_run([sora], args.repeat, env=completion_env(env, home, line))
            ms = timed.wall * 1000
            print(
                f"complete  {name:<28} {ms:6.1f} ms  ratio {timed.wall / base.wall:4.2f}"
                f"  (target <= {TARGET_MS:.0f} ms)  {verdict(ms, TARGET_MS)}"
            )
            failed |= ms > TARGET_MS * args.slack
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
