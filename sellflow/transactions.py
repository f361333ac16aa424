"""Work that follows a commit and must never undo it."""

from collections.abc import Callable, Iterable

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


class _BatchedSend:
    """One send of a signal after commit, carrying every id its transaction gathered."""

    def __init__(self, signal: Signal, sender: type):
        self.signal, self.sender, self.ids = signal, sender, set()
        self.__qualname__ = f"send {sender.__name__} signal"  # how Django logs a failing callback

    def __call__(self) -> None:
        self.signal.send(sender=self.sender, ids=sorted(self.ids))


def after_commit_batched(signal: Signal, *, sender: type, ids: Iterable[int]) -> None:
    """Send `signal(sender=sender, ids=[...])` once after the surrounding transaction commits,
    with the ids of every call made in it: a bulk edit of fifty products announces one change,
    not fifty. Receivers' failures are logged, never raised into the committed change."""
    connection = transaction.get_connection()
    batches = connection.__dict__.setdefault("sellflow_batched_sends", {})
    batch = batches.get((signal, sender))
    # A batch is joined while its send still waits for the commit. A commit runs it, a rollback
    # drops it (with the savepoint it was registered in): either way a new one starts.
    if batch is None or not any(entry[1] is batch for entry in connection.run_on_commit):
        batch = batches[(signal, sender)] = _BatchedSend(signal, sender)
        transaction.on_commit(batch, robust=True)
    batch.ids.update(ids)
