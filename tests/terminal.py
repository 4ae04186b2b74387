"""Running a command on a pseudo-terminal, as a person at a shell would: what it shows there.

The command's own stdout and stderr decide what it draws (pagers, progress bars, prompts), so
the tests hand it a real terminal rather than faking rich's or click's detection."""

from __future__ import annotations

import os
import pty
import subprocess
import threading

TIMEOUT_S = 120


def on_a_terminal(args: list[str], env: dict[str, str], *, all_streams: bool = True) -> tuple[int, str]:
    """Run `args` with stderr (and with `all_streams`, stdin and stdout too) on a pseudo-terminal:
    its exit code and everything the terminal received."""
    controller, terminal = pty.openpty()
    received: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # every holder of the terminal side closed it
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        others = terminal if all_streams else subprocess.DEVNULL
        process = subprocess.Popen(args, stdin=others, stdout=others, stderr=terminal, env=env)
        os.close(terminal)
        code = process.wait(timeout=TIMEOUT_S)
    finally:
        reader.join(timeout=TIMEOUT_S)
        os.close(controller)
    return code, b"".join(received).decode(errors="replace")
