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
import subprocess
import sys
import tempfile
from contextlib import ExitStack
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
    base_url: str, size: int, rate: int, tmp: Path, env: dict[str, str], cert: Path | None
) -> dict[str, Command]:
    """sora, bare httpx and (where installed) curl, each fetching the same body; over https,
    each trusting the server's self-signed certificate (`cert`).

    Before each run, untimed, the file the last run wrote is removed and the disk synced: each
    client writes a new file with no earlier run's writeback under way. (Overwriting costs
    differ by method and say nothing of the client: curl and httpx truncate the old file,
    `sora --force` renames over it, and ext4 flushes or frees blocks for either.)
    """
    task_id = f"video_{size}_{rate}"
    url = f"{base_url.removesuffix('/v1')}/files/{size}_{rate}.mp4"
    out = tmp / f"{base_url.partition(':')[0]}-{task_id}.mp4"
    trust = {"SSL_CERT_FILE": str(cert)} if cert else {}
    sora_argv = [sora(), "download", task_id, "-o", f"{out}.sora", "-q"]
    httpx_argv = [sys.executable, "-c", BARE_HTTPX, url, f"{out}.httpx"]
    found = {
        "sora": _fresh(sora_argv, {**env, **trust}, out, "sora"),
        "httpx": _fresh(httpx_argv, {**os.environ, **trust}, out, "httpx"),
    }
    curl = shutil.which("curl")
    if curl:
        curl_argv = [curl, "-sf", *(["--cacert", str(cert)] if cert else []), "-o", f"{out}.curl"]
        found["curl"] = _fresh([*curl_argv, url], None, out, "curl")
    return found


def self_signed(tmp: Path) -> Path | None:
    """A certificate and key for 127.0.0.1 in `tmp` (cert.pem, key.pem), or None without
    openssl (the https rows are then skipped)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    names = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    made = subprocess.run(
        [openssl, *request, "-keyout", str(key), "-out", str(cert), *names], capture_output=True
    )
    return cert if made.returncode == 0 else None


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
    """Start the servers, run the rounds, print the figures and the verdicts."""
    p = parser(__doc__, repeat=3)
    p.add_argument("--mib", type=float, default=256, help="size at full speed")
    p.add_argument("--throttled-mib", type=float, default=256, help="size over the 1 Gbit/s link")
    args = p.parse_args()
    full, throttled = (int(mib * 1024 * 1024) for mib in (args.mib, args.throttled_mib))
    bodies = {"full": (full, 0), "1gbit": (throttled, LINK_RATE)}
    if throttled >= 4 * START_BYTES:  # what each client costs besides the bytes
        bodies["1gbit start"] = (START_BYTES, LINK_RATE)
    server = [sys.executable, str(Path(__file__).with_name("video_server.py"))]
    server += ["--max-mib", str(max(args.mib, args.throttled_mib)), "--exit-with-stdin"]
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        origins: dict[str, tuple[str, Path | None]] = {
            "http": (stack.enter_context(served(server)), None)
        }
        cert = self_signed(tmp)
        if cert is not None:
            tls = [*server, "--tls", str(cert), str(tmp / "key.pem")]
            origins["https"] = (stack.enter_context(served(tls)), cert)
        runs: dict[str, Command] = {}
        for scheme, (base_url, trusted) in origins.items():
            home = tmp / f"home-{scheme}"  # a task id belongs to one server in the journal
            env = {**os.environ, "SORA_HOME": str(home), "SORA_BASE_URL": base_url}
            env["SORA_API_KEY"] = KEY
            for mode, (size, rate) in bodies.items():
                for who, command in clients(base_url, size, rate, tmp, env, trusted).items():
                    runs[f"{scheme} {mode} {who}"] = command
        by_name = interleaved(runs, args.repeat, args.warmup)
        for path in tmp.glob("*video_*.mp4.*"):
            expected = int(path.name.split("_")[1])
            assert path.stat().st_size == expected, f"{path.name}: wrong size"
    verdicts: list[Verdict] = []
    for scheme in origins:
        verdicts += judge(scheme, by_name, args.mib, args.throttled_mib)
    if "https" not in origins:
        print("note: openssl is not installed: the https rows are skipped")
    return report(verdicts, args.check)


def judge(scheme: str, by_name: dict[str, Series], mib: float, link_mib: float) -> list[Verdict]:
    """One scheme's figures, printed, and its verdicts. Over https they only ever warn: the
    TLS server is Python on the same cores, and under load it and the client's TLS fight for
    CPU (a busy 2-core machine measured 2.4x where a quiet one measured 1.07x)."""
    hard = scheme == "http"

    def series(mode: str) -> dict[str, Series]:
        found = {who: by_name.get(f"{scheme} {mode} {who}") for who in ("sora", "httpx", "curl")}
        return {who: timed for who, timed in found.items() if timed is not None}

    full, link, start = series("full"), series("1gbit"), series("1gbit start")
    describe(f"{scheme}, full speed", mib, full)
    describe(f"{scheme}, throttled to 1 Gbit/s", link_mib, link)
    if start:
        describe(f"{scheme}, throttled to 1 Gbit/s, the start alone", START_BYTES / 2**20, start)
    sora_full, sora_link = full["sora"], link["sora"]
    verdicts = [
        Verdict(
            f"{scheme}: download {mib:g} MiB vs bare httpx",
            sora_full.ratio_to(full["httpx"]),
            1.15,
            "x",
            f"{sora_full.wall:.2f} s vs {full['httpx'].wall:.2f} s",
            can_fail=hard,
        ),
        Verdict(f"{scheme}: peak RSS", sora_full.rss_mib, 40, " MiB", "sora's own, at full speed"),
    ]
    if "curl" not in link:
        print("note: curl is not installed: the rows against curl are skipped")
        return verdicts
    if mib / full["curl"].wall < 2 * LINK_RATE / 2**20:
        print(
            f"note: curl got less than twice the link's speed over {scheme}: the server may "
            "be the limit"
        )
    curl = link["curl"]
    if start:
        sora_bytes = sora_link.wall - start["sora"].wall
        curl_bytes = curl.wall - start["curl"].wall
        verdicts.append(
            Verdict(
                f"{scheme}: 1 Gbit/s, the bytes' time vs curl's",
                sora_bytes / curl_bytes,
                1.1,
                "x",
                f"{sora_bytes:.2f} s vs {curl_bytes:.2f} s: {link_mib:g} MiB less "
                f"{START_BYTES // 2**20} MiB, is sora link-bound",
                can_fail=hard,
            )
        )
    else:
        print("note: the throttled body is too small to tell the bytes from the start")
    verdicts.append(
        Verdict(
            f"{scheme}: 1 Gbit/s {link_mib:g} MiB vs curl, whole run",
            sora_link.ratio_to(curl),
            1.1,
            "x",
            f"{sora_link.wall:.2f} s vs {curl.wall:.2f} s",
            can_fail=hard,
        )
    )
    return verdicts


if __name__ == "__main__":
    raise SystemExit(main())
