"""The Celery app. Every task is idempotent, so late acknowledgement and redelivery after a lost
worker are safe; transient failures retry with capped exponential backoff and jitter."""

import os

from celery import Celery, Task
from django.db.utils import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")

# Longest wait between two retries. It stays far below the broker's visibility timeout
# (CELERY_BROKER_TRANSPORT_OPTIONS in settings) so a waiting retry is never redelivered twice.
RETRY_BACKOFF_MAX_SECONDS = 600


class TransientError(Exception):
    """Raised by task code for failures worth retrying (a provider timing out, a lock held)."""


class SellflowTask(Task):
    """The one retry policy of every task (shared_task uses this class): acknowledged late, so a
    worker lost mid-task has it redelivered; retried on TransientError, network errors and the
    database's operational errors with capped exponential backoff and jitter. A task overrides
    none of it without a comment saying why."""

    acks_late = True
    reject_on_worker_lost = True
    # A lost database connection or a deadlock is as passing as a network error.
    autoretry_for = (TransientError, ConnectionError, TimeoutError, OperationalError)
    max_retries = 5
    retry_backoff = 5
    retry_backoff_max = RETRY_BACKOFF_MAX_SECONDS
    retry_jitter = True

    def __call__(self, *args, **kwargs):
        from sellflow.request_id import bind_request_id

        # On a worker, log lines of a task carry its task id where a request id would be; a
        # task run eagerly inside a request keeps logging under that request's id.
        if not self.request.is_eager:
            bind_request_id(self.request.id)
        return super().__call__(*args, **kwargs)


app = Celery("sellflow", task_cls=SellflowTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
