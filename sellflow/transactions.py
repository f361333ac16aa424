"""Work that follows a commit and must never undo it."""

from django.db import transaction


def after_commit(func, *args, **kwargs) -> None:
    """Call func(*args, **kwargs) after the surrounding transaction commits (at once outside
    one). A failure is logged, never raised into a change already committed. Not a
    functools.partial: Django logs a failing robust callback by its __qualname__, which a
    partial lacks, so the log line itself would raise."""
    def call() -> None:
        func(*args, **kwargs)

    call.__qualname__ = getattr(func, "__qualname__", call.__qualname__)
    transaction.on_commit(call, robust=True)
