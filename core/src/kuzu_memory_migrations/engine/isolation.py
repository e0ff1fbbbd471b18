"""Pack code cannot end the process, and a real Ctrl-C still stops the run.

`SystemExit`, `KeyboardInterrupt` or any other `BaseException` that pack code raises (at
import, in a hook, in `check_applicable` or `migrate`) becomes a `PackError` naming the
pack: the migration fails, is undone, and the rest goes on. A Ctrl-C (SIGINT) or SIGTERM
is told apart by the signal handler a run installs: it raises `RunInterrupted`, which
stops the run after the migration under way is undone, even if pack code caught it.
"""

from __future__ import annotations

import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .errors import PackError
from .plainio import pack_location

T = TypeVar("T")


class RunInterrupted(KeyboardInterrupt):
    """A real Ctrl-C (or SIGTERM) arrived during a run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.applied: list[str] = []
        """What the run had applied, in order (the one under way too, had it committed)."""
        self.undone: str | None = None
        """The migration under way, undone; None when the signal came between migrations."""


class _Noted:
    """The signal that interrupted the run under way, if one did."""

    signum: int | None = None


@contextmanager
def signals_noted() -> Iterator[None]:
    """While a run changes the project, SIGINT and SIGTERM raise `RunInterrupted`.

    Only in the main thread (where Python delivers signals); the previous handlers come
    back afterwards. A handler of the host's own still runs: if it raises, the run stops as
    for a Ctrl-C; if it returns, the host chose to go on and so does the run. An ignored
    signal stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Noted.signum = None

    def note(signum: int, frame: Any) -> None:
        _Noted.signum = signum
        raise RunInterrupted(signum)

    def host_decides(handler: Callable[[int, Any], Any]) -> Callable[[int, Any], None]:
        def noted(signum: int, frame: Any) -> None:
            _Noted.signum = signum
            handler(signum, frame)
            _Noted.signum = None  # it returned: not an interruption

        return noted

    previous: dict[signal.Signals, Any] = {}
    for which in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(which)
        if current in (signal.default_int_handler, signal.SIG_DFL):
            previous[which] = current
            signal.signal(which, note)
        elif callable(current):
            previous[which] = current
            signal.signal(which, host_decides(current))
    try:
        yield
    finally:
        for which, handler in previous.items():
            signal.signal(which, handler)
        _Noted.signum = None


def describe(error: BaseException) -> str:
    """The error and the pack line that raised it: enough to find it without a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return f"{type(error).__name__}: {error}"
    where = pack_location((frame.filename, frame.lineno) for frame in reversed(frames))
    return f"{type(error).__name__}: {error} at {where}"


def failure(origin: str, error: Exception) -> str:
    """One line saying what raised what, where (a PackError already says so)."""
    return str(error) if isinstance(error, PackError) else f"{origin} raised {describe(error)}"


def contained(origin: str, call: Callable[[], T]) -> T:
    """Call pack code; a BaseException that is not an Exception becomes a PackError.

    Exceptions pass unchanged (the caller reports them). A real Ctrl-C stays an interrupt.
    """
    try:
        return call()
    except RunInterrupted:
        raise
    except Exception:
        if _Noted.signum is not None:
            raise RunInterrupted(_Noted.signum) from None
        raise
    except BaseException as error:
        if _Noted.signum is not None:
            raise RunInterrupted(_Noted.signum) from error
        raise PackError(f"{origin} raised {describe(error)}") from error
