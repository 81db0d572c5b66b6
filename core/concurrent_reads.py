"""A request's independent reads run at once, each on its own database connection.

PostgreSQL runs each connection's query on one core: a search that ranks the claims, the quotes
and the articles a word finds waits for the three one after the other, but run at once, only for
the longest (issue #25). The first read runs in the request's thread; the others in a small pool
of threads the process keeps, each with its own connections, kept and checked as a request's are
(CONN_MAX_AGE, CONN_HEALTH_CHECKS). They run in a copy of the request's context, so they read
from the database the request reads from (core.routers) and what they read is recorded for the
page cache (core.page_cache) as the request's own reads are.

Other connections can't see what a transaction has not committed yet: inside one (a test's, an
atomic block) the reads run one after the other in the request's thread, on its connection.
"""

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.db import close_old_connections, connections

# A search's other two kinds at once. More threads would only wait for a core on small machines;
# each keeps a connection, counted against PostgreSQL's max_connections (deploy/gunicorn.conf.py).
THREADS = 2
# Its threads start at the first read sent to them: in the process that serves (a gunicorn
# worker), not in one that forks it.
_threads = ThreadPoolExecutor(THREADS, thread_name_prefix="concurrent-read")


def read_concurrently(reads):
    """[read() for read in reads], run at once when more than one can be."""
    if len(reads) < 2 or _in_transaction():
        return [read() for read in reads]
    first, *others = reads
    futures = [
        _threads.submit(contextvars.copy_context().run, _on_own_connection, read) for read in others
    ]
    try:
        first_result = first()
    except BaseException:
        wait(futures)  # they use the request's context: not left running after it
        raise
    return [first_result, *(future.result() for future in futures)]


def _in_transaction():
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))


def _on_own_connection(read):
    # As around a request: a connection past CONN_MAX_AGE, or broken, is closed and reopened,
    # and the kept one is health-checked before its first query.
    close_old_connections()
    try:
        return read()
    finally:
        close_old_connections()


def close_connections():
    """Close the connections the pool's threads keep (before the database is dropped, say)."""
    all_there = threading.Barrier(THREADS)

    def close():
        all_there.wait()  # so that each thread takes one
        connections.close_all()

    for future in [_threads.submit(close) for _ in range(THREADS)]:
        future.result()
