"""The task queue (procrastinate, issue #23) as every app's tasks run on it."""

from django.db import connections


def close_connections(call_next, context, worker):
    """A sync task runs in one of the worker's threads, where Django opens a database connection
    of that thread's own: closed after each task, so none is left open or goes stale."""
    try:
        return call_next()
    finally:
        connections.close_all()


def on_app_ready(app):
    """PROCRASTINATE_ON_APP_READY: what every worker runs its tasks with."""
    app.worker_defaults = {**app.worker_defaults, "task_middleware": [close_connections]}
