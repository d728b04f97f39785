"""Helpers shared by the benchmark scripts: timing child processes (wall, CPU, peak memory)
in interleaved rounds, servers in their own processes, and the verdict on a ratio.

Every figure is judged as a ratio to a baseline measured in the same run, in the same
rounds, so a busy machine slows both sides alike. A ratio over its bound is a WARNING with
the numbers; only one past FAIL_FACTOR times the bound fails a `--check` run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

FAIL_FACTOR = 2.0  # a figure this many times its bound fails --check; below, it only warns
KEY = "sk-bench-not-a-real-key"


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, CPU seconds (user + system) and peak RSS in MiB."""

    wall: float
    cpu: float
    rss_mib: float


@dataclass(frozen=True)
class Command:
    """What to run: argv, its environment (None: this process's), and what to do before each
    run, untimed (e.g. remove the file the last run wrote)."""

    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    before: Callable[[], None] | None = None
    terminal: bool = False  # stdout on a pseudo-terminal (as at a shell), else /dev/null


@dataclass
class Series:
    """The runs of one command across the rounds of an interleaved measurement."""

    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        """Median wall seconds."""
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        """Median CPU seconds."""
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mib(self) -> float:
        """Largest peak RSS seen."""
        return max(r.rss_mib for r in self.runs)

    def ratio_to(self, base: Series) -> float:
        """Ratio of the median wall times: the rounds interleave both sides, so drift in the
        machine's load lands on both, and the ratio matches the times printed beside it."""
        return self.wall / base.wall


# Kept between runs like any bytecode cache (CPython checks each file's source stamp).
_PYCACHE = os.path.join(tempfile.gettempdir(), f"sora-bench-pycache-{os.getuid()}")
os.makedirs(_PYCACHE, exist_ok=True)


def child_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """The child environment: no proxy, and a private bytecode cache.

    Some machines set PYTHONDONTWRITEBYTECODE, so an editable install would recompile sora
    on every run while the baseline loads pip's bytecode: not what an installed `sora`
    does. Every measurement starts with a warm-up round that fills this cache (and the OS's
    file cache) unless --no-warmup says the figures do not matter.
    """
    base = dict(os.environ if env is None else env)
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):  # every server here is on loopback
        base.pop(name, None)
        base.pop(name.lower(), None)
    base["PYTHONPYCACHEPREFIX"] = _PYCACHE
    return base


# GNU time reports the child's own peak RSS. wait4's figure cannot read below this driver's
# own peak: the child inherits it through fork (vfork) until exec.
_GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
# One file per driver process: the benchmarks may run side by side (tests/test_benchmarks.py
# starts all four at once), and a shared file was read empty while another run rewrote it.
_RSS_FILE = os.path.join(_PYCACHE, f"maxrss-{os.getpid()}")


def run(command: Command) -> Run:
    """Run a command to completion; its own wall time, CPU time and peak RSS."""
    if command.before is not None:
        command.before()
    argv = list(command.argv)
    if _GNU_TIME:
        argv = [_GNU_TIME, "-f", "%M", "-o", _RSS_FILE, *argv]
    screen = _Screen() if command.terminal else None
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env=child_env(command.env),
        stdout=subprocess.DEVNULL if screen is None else screen.slave,
        stderr=subprocess.PIPE,
    )
    if screen is not None:
        screen.read_while_it_runs()
    assert proc.stderr is not None
    errors = proc.stderr.read()  # before wait4: a full pipe would block the child
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if screen is not None:
        screen.close()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if code != 0:
        tail = errors.decode(errors="replace").strip()[-2000:]
        raise SystemExit(f"benchmark command failed ({code}): {' '.join(command.argv)}\n{tail}")
    max_kib = float(Path(_RSS_FILE).read_text().split()[-1]) if _GNU_TIME else usage.ru_maxrss
    return Run(wall, usage.ru_utime + usage.ru_stime, max_kib / 1024)


class _Screen:
    """A pseudo-terminal for a child's stdout, drained by a thread (a full one would block
    the child, as a terminal nobody reads would)."""

    def __init__(self) -> None:
        import pty

        self.master, self.slave = pty.openpty()
        self.reader: threading.Thread | None = None

    def read_while_it_runs(self) -> None:
        """Close this process's copy of the child's end and read until the child closes it."""
        os.close(self.slave)

        def drain() -> None:
            try:
                while os.read(self.master, 65536):
                    pass
            except OSError:  # EIO: the child's end is closed
                pass

        self.reader = threading.Thread(target=drain, daemon=True)
        self.reader.start()

    def close(self) -> None:
        if self.reader is not None:
            self.reader.join(timeout=5)
        os.close(self.master)


def compile_sora() -> None:
    """Fill the bytecode cache with all of sora, as pip does at install time."""
    import sora_cli

    package = os.path.dirname(sora_cli.__file__)
    run(Command([sys.executable, "-m", "compileall", "-q", package]))


def interleaved(
    commands: Mapping[str, Command], repeat: int, warmup: bool = True
) -> dict[str, Series]:
    """Run every command once per round, `repeat` rounds after one warm-up round."""
    for command in commands.values() if warmup else ():
        run(command)
    series = {name: Series() for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            series[name].runs.append(run(command))
    return series


@dataclass(frozen=True)
class Verdict:
    """A figure judged against its bound: ok, WARNING (over it) or FAIL (FAIL_FACTOR past)."""

    name: str
    value: float
    bound: float
    unit: str  # "x import typer", " MiB", ...
    detail: str  # the absolute numbers behind a ratio
    can_fail: bool = True  # False: a figure the machine's load sways too much; it only warns

    @property
    def level(self) -> str:
        """`ok`, `WARNING` or `FAIL`."""
        if self.value <= self.bound:
            return "ok"
        failed = self.can_fail and self.value > self.bound * FAIL_FACTOR
        return "FAIL" if failed else "WARNING"

    def line(self) -> str:
        """One printed line with the figure, its bound and the numbers."""
        over = {
            "ok": "",
            "WARNING": "  over its bound",
            "FAIL": f"  over {FAIL_FACTOR:g}x its bound",
        }
        return (
            f"{self.level:<8} {self.name:<44} {self.value:6.2f}{self.unit}  "
            f"(bound {self.bound:g}; {self.detail}){over[self.level]}"
        )


def report(verdicts: Sequence[Verdict], check: bool) -> int:
    """Print the verdicts; the exit status: 1 only under --check with a FAIL."""
    print()
    for verdict in verdicts:
        print(verdict.line())
    failed = [v for v in verdicts if v.level == "FAIL"]
    warned = [v for v in verdicts if v.level == "WARNING"]
    if warned:
        print(
            f"WARNING: {len(warned)} figure(s) over their bound (a noisy machine, or a "
            f"regression): {', '.join(v.name for v in warned)}"
        )
    if failed:
        print(f"FAILED: {', '.join(v.name for v in failed)} (over {FAIL_FACTOR:g}x the bound)")
    return 1 if check and failed else 0


def parser(doc: str | None, repeat: int) -> argparse.ArgumentParser:
    """The flags every benchmark takes: --repeat and --check."""
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=repeat, help="rounds (after one warm-up)")
    p.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="skip the warm-up round (a smoke test: the figures then mean little)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when a figure is over {FAIL_FACTOR:g}x its bound (CI)",
    )
    return p


def sora() -> str:
    """The `sora` script installed beside this Python (a venv's, even when not activated)."""
    beside = Path(sys.executable).with_name("sora")
    if beside.exists():
        return str(beside)
    return shutil.which("sora") or sys.exit("sora is not installed in this environment")


def ms(seconds: float) -> str:
    """Milliseconds, for the detail of a verdict."""
    return f"{seconds * 1000:.0f} ms"


def _exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def served(argv: Sequence[str]) -> Iterator[str]:
    """A server in its own process (no GIL shared with the client under test) that prints
    its base URL as its first line; yields that URL and stops the server afterwards.

    Meanwhile SIGTERM unwinds this process (SystemExit) instead of ending it on the spot, so
    the server is stopped too."""
    previous = signal.signal(signal.SIGTERM, _exit)
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,  # held open while the benchmark lives (see video_server.py)
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
            raise SystemExit(f"server did not start: {' '.join(argv)}")
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # closes the pipes, waits
        signal.signal(signal.SIGTERM, previous)


def emulator(*flags: str) -> AbstractContextManager[str]:
    """The project's emulator in its own process; yields its base URL."""
    return served([sys.executable, "-m", "sora_cli.emulator", "--port", "0", *flags])


TYPER_IMPORT = "python -c 'import typer'"
Cases = Callable[[str, dict[str, str]], dict[str, tuple[Command, float]]]


def against_typer_import(args: argparse.Namespace, cases: Cases) -> int:
    """Time `cases(sora, env)` (name -> command and its bound) against a bare Typer import in
    interleaved rounds, in a SORA_HOME with a config file and a journal of 500 tasks; print
    each median and ratio and judge it."""
    with tempfile.TemporaryDirectory() as tmp:
        make_home(Path(tmp))
        env = {**os.environ, "SORA_HOME": tmp}
        timed = cases(sora(), env)
        commands = {TYPER_IMPORT: Command([sys.executable, "-c", "import typer"], env)}
        commands |= {name: command for name, (command, _) in timed.items()}
        series = interleaved(commands, args.repeat, args.warmup)
    base = series[TYPER_IMPORT]
    print(f"{TYPER_IMPORT:<36} {base.wall * 1000:7.1f} ms  {base.rss_mib:5.1f} MiB")
    verdicts = []
    for name, (_, bound) in timed.items():
        one, ratio = series[name], series[name].ratio_to(base)
        print(f"{name:<36} {one.wall * 1000:7.1f} ms  {one.rss_mib:5.1f} MiB  ratio {ratio:4.2f}")
        detail = f"{ms(one.wall)} vs {ms(base.wall)}"
        verdicts.append(Verdict(name, ratio, bound, "x import typer", detail))
    return report(verdicts, args.check)


def make_home(root: Path, tasks: int = 500) -> None:
    """A SORA_HOME with a config file and a journal of `tasks` finished tasks."""
    from sora_cli.journal import JobRecord, Journal

    config = root / "config.toml"
    config.write_text('profile = "laozhang"\nsize = "1280x720"\n')
    config.chmod(0o600)  # as `sora config set` writes it (else every run warns)
    now = time.time()
    with Journal(root / "jobs.sqlite3") as journal:
        for i in range(tasks):
            journal.record(
                JobRecord(
                    id=f"video_{i:05d}",
                    prompt=f"benchmark prompt number {i}",
                    status="completed",
                    progress=100,
                    created_at=now - i,
                )
            )


def completion_env(base: Mapping[str, str], line: str) -> dict[str, str]:
    """What bash's completion function passes to `sora` for the words typed so far."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    return {**base, "_SORA_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)}
