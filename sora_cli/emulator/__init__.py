"""A local emulator of the Sora video APIs (async `/v1/videos` and the sync chat stream).

Standard library only, and it never imports the client (`sora_cli` outside this package): it
must not share the client's misunderstandings of the API. See DESIGN.md, "The emulator".
"""

from .config import EmulatorConfig
from .server import Emulator

__all__ = ["Emulator", "EmulatorConfig"]
