"""Running `dossier` on a pseudo-terminal, as a person at a keyboard does (colour, progress, Ctrl-D)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

from tests.support.archive import ROOT

COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES")


class Terminal:
    """`python -m bot ARGS` with stdin, stdout and stderr on one pseudo-terminal, 100 columns wide.

    Colour settings inherited from the test run's environment are dropped; `extra` sets them.
    """

    def __init__(self, env: dict[str, str], *args: str, extra: dict[str, str] | None = None):
        env = {k: v for k, v in env.items() if k not in COLOUR_VARIABLES}
        env.update(TERM="xterm-256color", **(extra or {}))
        self._master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave
        )
        os.close(slave)
        self.output = ""

    def type(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def wait_for(self, text: str, count: int = 1, timeout: float = 120) -> None:
        """Read until `text` has appeared `count` times in the output."""
        deadline = time.monotonic() + timeout
        while self.output.count(text) < count:
            if time.monotonic() > deadline or not self._read(deadline - time.monotonic()):
                raise AssertionError(f"{text!r} did not appear; the screen got:\n{self.output[-2000:]}")

    def finish(self, timeout: float = 120) -> int:
        """Read everything until the program exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self._read(max(deadline - time.monotonic(), 0)):
            pass
        os.close(self._master)
        return self.process.wait(timeout=max(deadline - time.monotonic(), 1))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            chunk = os.read(self._master, 65536)
        except OSError:  # EIO: the program closed the terminal
            return False
        self.output += chunk.decode(errors="replace")
        return bool(chunk)


def run_in_terminal(env: dict[str, str], *args: str, extra: dict[str, str] | None = None) -> tuple[int, str]:
    terminal = Terminal(env, *args, extra=extra)
    code = terminal.finish()
    return code, terminal.output
