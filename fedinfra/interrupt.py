"""Ctrl-C: print ``interrupted``, exit 130, and leave every output as it was.

A terminal sends SIGINT to the whole process group, so the jsii kernel (a node child process)
dies with us: the Python side then sees a broken pipe or a truncated JSON reply, and jsii's own
exit hook writes to the dead kernel and prints a ``BrokenPipeError`` traceback. So the first
SIGINT raises ``KeyboardInterrupt`` once (later ones only let the cleanup finish), code that
must not be split (the rename pair that swaps a new output into place) holds it with
``deferred()``, and ``exit_interrupted`` ends the process without running jsii's exit hooks.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager, suppress
from typing import NoReturn

EXIT_INTERRUPTED = 130
"""128 + SIGINT, what shells report for a command stopped with Ctrl-C."""


class _State:
    received = False
    holding = 0
    pending = False


def _on_sigint(signum, frame) -> None:
    first = not _State.received
    _State.received = True
    if _State.holding:
        _State.pending = True
    elif first:
        raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT through this module (main thread only, as ``signal`` requires)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)


def received() -> bool:
    """Whether a SIGINT arrived (an error after it is a consequence, not the cause)."""
    return _State.received


@contextmanager
def deferred():
    """Hold Ctrl-C while the block runs; raise ``KeyboardInterrupt`` after it if one came."""
    _State.holding += 1
    try:
        yield
    finally:
        _State.holding -= 1
    if not _State.holding and _State.pending:
        _State.pending = False
        raise KeyboardInterrupt


def exit_interrupted() -> NoReturn:
    """Say ``interrupted`` and end now: remove this process's temporary directories, skip the
    interpreter's exit hooks (jsii's would write to the dead kernel)."""
    for obj in gc.get_objects():
        if isinstance(obj, tempfile.TemporaryDirectory):
            obj.cleanup()
    print("interrupted", file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(EXIT_INTERRUPTED)
