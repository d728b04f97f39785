"""What a bare `sora` prints: a short, friendly start instead of the full help (issue 6).

It is what the user asked for (no command means "what can I do?"), so it goes to stdout
and exits 0; `sora --help` still has the full help.
"""

from __future__ import annotations

import sys

OVERVIEW = """\
sora: make Sora 2 videos from a terminal, a shell script or a CI job.

Most used:
  sora generate "a cat on a skateboard"   create a video, wait for it, save the MP4
  sora list                               the tasks this machine created
  sora download ID --wait                 fetch a task's video (waits if it is not done)

New here?
  sora demo          a real MP4 from the bundled emulator: no key, no internet, no cost
  sora doctor        check the config file, your key and the API
  export SORA_API_KEY=sk-...   (or: sora config set api-key)   to use the real API

All commands and options: sora --help    One command: sora generate --help
"""


def show_overview() -> None:
    """Print the overview on stdout."""
    sys.stdout.write(OVERVIEW)
