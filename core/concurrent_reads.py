"""A request's independent reads run at once, each on its own database connection.

PostgreSQL runs each connection's query on one core: a search that ranks the claims, the quotes
and the articles a word finds waits for the three one after the other, but run at once, only for
the longest (issue #25). The first read runs in the request's thread; each other one in a free
thread of a small pool the process keeps, or when none is free (other requests' searches hold
them), in the request's thread after the first: a busy worker is no slower than before. Pool
threads keep their connections as request threads do (CONN_MAX_AGE, CONN_HEALTH_CHECKS).

Reads in the pool run in a copy of the request's context. They read from the database the
request reads from (core.routers; its replica is chosen before they start), and the rows they
read join the page cache's record of the request's reads (core.page_cache). What they would set
in the context themselves (core.routers.read_from_primary, page_cache.not_cacheable) stays in
their copy: reads sent here only read.

Other connections can't see what a transaction has not committed yet: inside one (a test's, an
atomic block) the reads run one after the other in the request's thread, on its connection.
"""

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.db import close_old_connections, connections

from core import routers

# A search's other two kinds at once. More threads would only wait for a core on small machines;
# each keeps a connection, counted against PostgreSQL's max_connections (deploy/gunicorn.conf.py).
THREADS = 2
# Its threads start at the first read sent to them: in the process that serves (a gunicorn
# worker), not in one that forks it.
_threads = ThreadPoolExecutor(THREADS, thread_name_prefix="concurrent-read")
_free_threads = threading.BoundedSemaphore(THREADS)


def read_concurrently(reads):
    """[read() for read in reads], run at once as far as free threads allow."""
    if len(reads) < 2 or _in_transaction():
        return [read() for read in reads]
    routers.choose_replica()
    futures = [None, *(_sent_to_a_free_thread(read) for read in reads[1:])]
    try:
        here = {i: read() for i, read in enumerate(reads) if futures[i] is None}
    finally:
        # Even when a read failed: none is left running after the request.
        wait([future for future in futures if future is not None])
    return [here[i] if future is None else future.result() for i, future in enumerate(futures)]


def _in_transaction():
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))


def _sent_to_a_free_thread(read):
    """The future of the read, run in a free thread of the pool; None when none is free."""
    if not _free_threads.acquire(blocking=False):
        return None
    future = _threads.submit(contextvars.copy_context().run, _on_own_connection, read)
    future.add_done_callback(lambda _: _free_threads.release())
    return future


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
