"""What keeps one `new` or `update` run whole when the outside world interferes.

- Signals: SIGINT, SIGTERM and SIGHUP all become KeyboardInterrupt, so a CI cancellation or a
  closed terminal cleans up exactly as Ctrl-C does; a step that must not be cut in half (a git
  command writing the repository, a rollback) defers them until it is done.
- Locks: a second run on the same project refuses with one line instead of racing the first.
- Staging folders: everything a run writes before it is ready lives in one folder that the run
  removes, and that the next run removes when a SIGKILL left it behind. Such a folder carries a
  marker file locked for the life of its run: it is stale exactly when that lock is free, and
  only folders with that marker are ever removed.

Locks are `flock`s, which the kernel releases when the process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from .errors import UsageError

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
MARKER = "mlscaffold-staging"
SCRATCH = "tmp"


class _Signals:
    """The process's interrupt state: how deep in deferred steps it is, and what arrived meanwhile."""

    depth = 0
    pending: int | None = None


class Interrupt(KeyboardInterrupt):
    """The KeyboardInterrupt a signal raises here, naming the signal."""


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    if _Signals.depth:
        _Signals.pending = signum
        return
    raise Interrupt(signal.Signals(signum).name)


def _keep_swallowed_interrupts(previous: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable-exception hook that re-arms an interrupt Python had to swallow.

    A signal can arrive while a finalizer or a weakref callback runs (importlib's module locks
    have them), where Python prints the exception and drops it; the interrupt then waits for
    the next `checkpoint` (every git command) instead of being lost.
    """

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, Interrupt):
            _Signals.pending = getattr(signal.Signals, str(unraisable.exc_value), signal.SIGINT)
            return
        previous(unraisable)

    return hook


def checkpoint() -> None:
    """Raise an interrupt that arrived while it could not be raised, unless in a deferred step."""
    if _Signals.pending is not None and not _Signals.depth:
        signum, _Signals.pending = _Signals.pending, None
        raise Interrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP interrupt like Ctrl-C (and every one can be deferred).

    Only the main thread may install signal handlers; elsewhere the block changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_interrupt) for signum in SIGNALS}
    hook, sys.unraisablehook = sys.unraisablehook, _keep_swallowed_interrupts(sys.unraisablehook)
    try:
        yield
    finally:
        sys.unraisablehook = hook
        _Signals.pending = None
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold interrupts that arrive within the block; raise KeyboardInterrupt once it is done.

    A git command killed halfway can leave a lock file behind, and a rollback cut short leaves
    the half-state it was undoing; both run inside this block.
    """
    _Signals.depth += 1
    try:
        yield
    finally:
        _Signals.depth -= 1
        checkpoint()


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


@contextlib.contextmanager
def locked(folder: Path, what: str) -> Iterator[None]:
    """Hold `folder`'s lock for the block, or refuse at once when another run holds it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        if not _try_lock(fd):
            raise UsageError(
                f"another mlscaffold run is working on {what}", "wait for it to finish, then run this again"
            )
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def waiting_lock(folder: Path) -> Iterator[None]:
    """Hold `folder`'s lock for the block, waiting for it: for steps that take milliseconds."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        with deferred_signals():
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _is_stale(holder: Path) -> bool:
    """Whether `holder` is a staging folder of a run that is gone (its marker's lock is free)."""
    marker = holder / MARKER
    if holder.is_symlink() or not holder.is_dir() or marker.is_symlink() or not marker.is_file():
        return False
    fd = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return _try_lock(fd)
    finally:
        os.close(fd)


def live_claims(parent: Path, prefix: str) -> list[str]:
    """What the live runs with staging folders in `parent` are making (their markers' `for`)."""
    claims = []
    for holder in parent.glob(f"{prefix}*"):
        marker = holder / MARKER
        if marker.is_file() and not marker.is_symlink() and not _is_stale(holder):
            with contextlib.suppress(OSError, ValueError):
                claims.append(str(json.loads(marker.read_text(encoding="utf-8"))["for"]))
    return claims


def stale_folders(parent: Path, prefix: str) -> list[Path]:
    """The staging folders in `parent` that runs killed outright (SIGKILL) left behind."""
    return sorted(holder for holder in parent.glob(f"{prefix}*") if _is_stale(holder))


def remove_folder(holder: Path) -> None:
    with deferred_signals():
        shutil.rmtree(holder, ignore_errors=True)


def remove_stale(parent: Path, prefix: str) -> None:
    """Remove the staging folders in `parent` that runs killed outright (SIGKILL) left behind."""
    for holder in stale_folders(parent, prefix):
        remove_folder(holder)


@contextlib.contextmanager
def staging_folder(parent: Path, prefix: str, claim: str) -> Iterator[Path]:
    """A fresh staging folder in `parent`, marked and locked as this run's, removed at the end.

    Python's temporary files (copier's and cookiecutter's included) go to its `tmp/` for the
    block, so that a SIGKILL leaves one folder behind, which the next run recognises.
    """
    holder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = None
    try:
        with deferred_signals():
            fd = os.open(holder / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, json.dumps({"pid": os.getpid(), "for": claim}).encode())
        (holder / SCRATCH).mkdir()
        saved, tempfile.tempdir = tempfile.tempdir, str(holder / SCRATCH)
        try:
            yield holder
        finally:
            tempfile.tempdir = saved
    finally:
        with deferred_signals():
            shutil.rmtree(holder, ignore_errors=True)
            if fd is not None:
                os.close(fd)
