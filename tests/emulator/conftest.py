"""Emulators on port 0 with short timings (queue 0.2 s, generation 0.5 s)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sora_cli.emulator import Emulator, EmulatorConfig

QUEUE, GEN = 0.2, 0.5


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start an emulator with overrides; all are stopped after the test."""
    started: list[Emulator] = []

    def make(**overrides: Any) -> Emulator:
        settings: dict[str, Any] = {"port": 0, "queue_seconds": QUEUE, "gen_seconds": GEN}
        settings.update(overrides)
        emu = Emulator(EmulatorConfig(**settings)).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(make_emulator: Callable[..., Emulator]) -> Emulator:
    """The default (laozhang) profile."""
    return make_emulator()


@pytest.fixture
def oai(make_emulator: Callable[..., Emulator]) -> Emulator:
    """The openai profile."""
    return make_emulator(profile="openai")
