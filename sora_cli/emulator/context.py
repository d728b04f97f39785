"""The shared state every request handler sees: settings, tasks, faults, stats."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .ark_book import ArkBook
from .config import PROFILES, EmulatorConfig, Profile
from .faults import FaultQueue
from .media import MediaBody, clip_bytes, clip_name
from .state import TaskStore
from .stats import Stats


@dataclass
class Context:
    """One emulator's world; the two HTTP servers share it."""

    config: EmulatorConfig
    store: TaskStore
    faults: FaultQueue = field(default_factory=FaultQueue)
    stats: Stats = field(default_factory=Stats)
    stopping: threading.Event = field(default_factory=threading.Event)
    cdn_url: str = ""
    ark: ArkBook = field(default_factory=ArkBook)  # the Ark side of Seedance tasks

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> Context:
        """A fresh world for these settings."""
        store = TaskStore(config.queue_seconds, config.gen_seconds, config.ttl_seconds)
        return cls(config=config, store=store)

    @property
    def profile(self) -> Profile:
        """The API profile being played."""
        return PROFILES[self.config.profile]

    def sleep(self, seconds: float) -> bool:
        """Wait, but wake up when the emulator stops; True if it is stopping."""
        if seconds <= 0:
            return self.stopping.is_set()
        return self.stopping.wait(seconds)

    def video(self, size: str, seconds: str) -> MediaBody:
        """The MP4 served for a task of this size and duration, padded as configured."""
        return MediaBody.padded(clip_bytes(clip_name(size, seconds)), self.config.video_bytes)

    def reset(self) -> None:
        """Clear tasks, faults and stats (`POST /__emulator__/reset`)."""
        self.store.clear()
        self.ark.clear()
        self.faults.clear()
        self.stats.clear()
