"""The `Emulator`: both origins (API and CDN) on daemon threads, for tests and for the CLI."""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from . import control
from .config import EmulatorConfig
from .context import Context
from .faults import parse_fault
from .handlers import ApiHandler, CdnHandler
from .wire import EmulatorServer

# The client profile that talks to each emulator profile (a gateway is `compatible`).
CLIENT_PROFILES = {"gateway": "compatible"}


def url_host(host: str) -> str:
    """A host to put in a URL: wildcard addresses become loopback, IPv6 gets brackets."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class Emulator:
    """A local emulator of the Sora video APIs; `with Emulator(cfg) as emu:` serves both
    origins until the block ends."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.config.validate()
        self._ctx = Context.from_config(self.config)
        self._servers: list[EmulatorServer] = []
        self._threads: list[threading.Thread] = []
        self.base_url = ""
        self.cdn_url = ""
        self.ark_url = ""

    def start(self) -> Emulator:
        """Bind both ports and serve on daemon threads; returns self."""
        if self._servers:
            return self
        host = self.config.host
        api = EmulatorServer((host, self.config.port), ApiHandler, self._ctx)
        try:
            cdn = EmulatorServer((host, self.config.cdn_port), CdnHandler, self._ctx)
        except OSError:
            api.server_close()
            raise
        self._ctx.stopping.clear()
        self.base_url = f"http://{url_host(host)}:{api.server_address[1]}/v1"
        self.cdn_url = f"http://{url_host(host)}:{cdn.server_address[1]}"
        self.ark_url = self.base_url[: -len("/v1")] + "/seedance/api/v3"  # Seedance (Ark)
        self._ctx.cdn_url = self.cdn_url
        self._servers = [api, cdn]
        for name, server in (("api", api), ("cdn", cdn)):
            thread = threading.Thread(target=server.run, name=f"sora-emulator-{name}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and close open connections."""
        self._ctx.stopping.set()
        for server in self._servers:
            server.halt()
        for server in self._servers:
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Serve until Ctrl-C or SIGTERM (for the command line), then stop cleanly."""
        self.start()
        done = threading.Event()
        previous: Any = None
        in_main = threading.current_thread() is threading.main_thread()

        def on_term(signum: int, frame: FrameType | None) -> None:
            done.set()

        if in_main:
            previous = signal.signal(signal.SIGTERM, on_term)
        try:
            while not done.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
            self.stop()

    def add_fault(self, **fault: Any) -> None:
        """Queue a fault, as `POST /__emulator__/faults` does; ValueError if malformed."""
        self._ctx.faults.add(parse_fault(fault))

    def stats(self) -> dict[str, Any]:
        """What `GET /__emulator__/stats` answers."""
        return control.stats(self._ctx)

    def reset(self) -> None:
        """Clear tasks, faults and stats."""
        self._ctx.reset()

    def force_task(self, task_id: str, *, status: str | None = None,
                   expire: bool = False) -> bool:
        """Jump a task to 'completed'/'failed' or expire it; False if there is no such task."""
        if status not in (None, "completed", "failed"):
            raise ValueError("status must be 'completed' or 'failed'")
        return self._ctx.store.force(task_id, status=status, expire=expire) is not None

    def banner(self) -> str:
        """Human-readable lines saying where the emulator listens and how to use it."""
        profile = self.config.profile
        client_profile = CLIENT_PROFILES.get(profile, profile)
        extra = "" if client_profile == "laozhang" else f" SORA_PROFILE={client_profile}"
        lines = [
            f"sora emulator ({profile} profile)",
            f"  API:  {self.base_url}",
            f"  CDN:  {self.cdn_url}  (video links, no key; Seedance's signed links too)",
            f"  Ark:  {self.ark_url}  (Seedance: --profile seedance --base-url ...)",
            f"  timing: {self.config.queue_seconds:g}s queued, "
            f"{self.config.gen_seconds:g}s generating",
        ]
        if self.config.retired:
            answer = self.config.retired_answer
            lines.append(f"  retired (HTTP {answer}): {', '.join(self.config.retired)}")
        lines += [
            "Point sora at it:",
            f"  export SORA_BASE_URL={self.base_url} SORA_API_KEY="
            f"{'<the --api-key value>' if self.config.api_key else 'sk-emulator'}" + extra,
        ]
        if self._ctx.profile.open_catalog:  # a gateway has no default model
            model = (self.config.models or [m.id for m in self._ctx.profile.models])[0]
            lines.append(f'  sora generate "a cat" --model {model}')
        lines += [
            f"Control: {self.base_url[:-3]}/__emulator__/ (faults, stats, reset)",
            "Press Ctrl-C to stop.",
        ]
        return "\n".join(lines)
