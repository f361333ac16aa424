"""Work that follows a commit and must never undo it."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.dispatch import Signal


def after_commit(func: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Call func(*args, **kwargs) after the surrounding transaction commits (at once outside
    one). A failure is logged, never raised into a change already committed. Not a
    functools.partial: Django logs a failing robust callback by its __qualname__, which a
    partial lacks, so the log line itself would raise."""
    def call() -> None:
        func(*args, **kwargs)

    call.__qualname__ = getattr(func, "__qualname__", call.__qualname__)
    transaction.on_commit(call, robust=True)


# Inside batched_announcements(): the ids each committed transaction would have announced,
# by (signal, sender), sent once when the block ends.
_held_announcements: ContextVar[dict[tuple[Signal, type], set[int]] | None] = ContextVar(
    "held_announcements", default=None)


class _BatchedSend:
    """One send of a signal after commit, carrying every id its transaction gathered."""

    def __init__(self, signal: Signal, sender: type):
        self.signal, self.sender, self.ids, self.done = signal, sender, set(), False
        self.__qualname__ = f"send {sender.__name__} signal"  # how Django logs a failing callback

    def __call__(self) -> None:
        self.done = True
        held = _held_announcements.get()
        if held is not None:
            held.setdefault((self.signal, self.sender), set()).update(self.ids)
            return
        self.signal.send(sender=self.sender, ids=sorted(self.ids))


def after_commit_batched(signal: Signal, *, sender: type, ids: Iterable[int]) -> None:
    """Send `signal(sender=sender, ids=[...])` once after the surrounding transaction commits,
    with the ids of every call made in it: a bulk edit of fifty products announces one change,
    not fifty. Outside a transaction it is sent at once. Receivers' failures are logged, never
    raised into the committed change."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        batch = _BatchedSend(signal, sender)
        batch.ids.update(ids)
        transaction.on_commit(batch, robust=True)  # runs now: logged like any other send
        return
    batches = connection.__dict__.setdefault("sellflow_batched_sends", {})
    batch = batches.get((signal, sender))
    # A batch is joined while its send still waits for the commit. A commit runs it, a rollback
    # drops it (with the savepoint it was registered in): either way a new one starts. Django
    # keeps no per-transaction state of its own to hang the batch on, hence the look at its queue.
    # A batch run without leaving the queue (tests' captureOnCommitCallbacks(execute=True)) is done.
    if batch is None or batch.done or not any(entry[1] is batch for entry in connection.run_on_commit):
        batch = batches[(signal, sender)] = _BatchedSend(signal, sender)
        transaction.on_commit(batch, robust=True)
    batch.ids.update(ids)


@contextmanager
def batched_announcements() -> Iterator[None]:
    """Work that commits piece by piece (an import, row by row; an admin's bulk delete) announces
    once: the sends of the transactions committed inside the block are held and go out together
    when it ends, with every id; what a rolled-back piece would have announced is never sent."""
    if _held_announcements.get() is not None:  # already inside one: the outer block sends
        yield
        return
    held: dict[tuple[Signal, type], set[int]] = {}
    token = _held_announcements.set(held)
    try:
        yield
    finally:
        _held_announcements.reset(token)
        for (signal, sender), ids in held.items():
            after_commit_batched(signal, sender=sender, ids=ids)
