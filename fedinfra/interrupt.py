"""Ctrl-C: print ``interrupted``, exit 130, and leave every output as it was.

A terminal sends SIGINT to the whole process group, so the jsii kernel (a node child process)
dies with us: the Python side then sees a broken pipe or a truncated JSON reply, and jsii's own
exit hook writes to the dead kernel and prints a ``BrokenPipeError`` traceback. So the first
SIGINT raises ``KeyboardInterrupt`` once (later ones only let the cleanup finish), code that
must not be split (the rename pair that swaps a new output into place) holds it with
``deferred()``, and ``exit_interrupted`` ends the process without running jsii's exit hooks.

The dying kernel also complains (``Error on jsii API channel to child process: ECONNRESET``)
and jsii's echo thread copies that onto our stderr, possibly before the Python-level handler has
run in the main thread. So ``install`` registers a signal wakeup pipe (written by the C-level
handler the moment the signal is delivered) and wraps ``sys.stdout``/``sys.stderr`` so that,
once SIGINT has arrived, writes from other threads than the main one are dropped.
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
    wakeup: int | None = None  # read end of the signal wakeup pipe
    delivered = False  # SIGINT seen on the wakeup pipe


def _on_sigint(signum, frame) -> None:
    first = not _State.received
    _State.received = True
    if _State.holding:
        _State.pending = True
    elif first:
        raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT through this module and quiet the kernel's echo after it (main thread only,
    as ``signal`` requires)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _on_sigint)
    if _State.wakeup is None:
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        _State.wakeup = read_end
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, _QuietAfterInterrupt):
            setattr(sys, name, _QuietAfterInterrupt(stream))


def _delivered() -> bool:
    """Whether SIGINT reached this process, even if the main thread has not yet run its handler."""
    if _State.received or _State.delivered:
        return True
    if _State.wakeup is None:
        return False
    with suppress(BlockingIOError, OSError):
        while chunk := os.read(_State.wakeup, 64):
            _State.delivered = _State.delivered or signal.SIGINT in chunk
    return _State.delivered


class _QuietAfterInterrupt:
    """A stream that drops what threads other than the main one write once SIGINT arrived: the
    jsii echo thread forwarding the dying kernel's complaints."""

    def __init__(self, stream):
        self._stream = stream

    def _quiet(self) -> bool:
        return threading.current_thread() is not threading.main_thread() and _delivered()

    def write(self, data):
        return len(data) if self._quiet() else self._stream.write(data)

    @property
    def buffer(self):
        return _QuietAfterInterrupt(self._stream.buffer)

    def __getattr__(self, name):
        return getattr(self._stream, name)


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
