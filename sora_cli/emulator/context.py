"""The shared state every request handler sees: settings, tasks, faults, stats."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .ark_book import ArkBook
from .config import DAY, PROFILES, EmulatorConfig, Model, Profile
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
        ttl = DAY if config.ttl_seconds is None else config.ttl_seconds  # sync-API links
        store = TaskStore(config.queue_seconds, config.gen_seconds, ttl)
        return cls(config=config, store=store)

    @property
    def profile(self) -> Profile:
        """The API profile being played."""
        return PROFILES[self.config.profile]

    def ttl(self, model: Model) -> float:
        """How long a task of this model lives: `--ttl-seconds`, else the model's own."""
        ttl = self.config.ttl_seconds
        return model.ttl_seconds if ttl is None else ttl

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
