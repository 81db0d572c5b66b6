"""gunicorn's settings wherever the archive is served: `manage.py serve` (what `make run` runs)
and the Docker image. Each number can be overridden from the environment (GUNICORN_...).

Why a threaded worker (gthread), not gunicorn's default sync worker: a sync worker gives a
connection the whole process from the moment it is accepted until its response is sent, so two
idle connections stalled both of `make run`'s workers until their 30 s timeout. gthread runs an
event loop that holds waiting connections without a thread. Its one gap in gunicorn 27: a newly
accepted connection goes to a thread that waits up to 5 s for the request to start, so 100 idle
connections hold every thread for seconds. `PollFirstWorker` below keeps new connections in the
event loop until their first bytes arrive, as gthread already does for kept-alive ones. A client
that trickles its request head still holds a thread until the head is complete, so each worker
has many threads; only a buffering proxy removes that limit, which is why production puts nginx
in front (deploy/nginx.conf; README: "What protects the archive from slow clients").
"""

import errno
import gc
import os
import selectors
import time
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker


class PollFirstWorker(ThreadWorker):
    """gthread, with a new connection parked in the event loop until it sends something (at most
    `keepalive` seconds; then it is closed), instead of in a thread for up to 5 s. The approach of
    gunicorn's pull request 3635; it uses the loop's own queue of pending connections."""

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )


def _number(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "newsarchive.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

worker_class = PollFirstWorker
workers = _number("GUNICORN_WORKERS", 2)
# Threads wait on sockets far more than they run Python; a slow client holds one until its request
# head is complete. Django keeps a database connection per thread that served a request (for
# CONN_MAX_AGE), and a worker two more for a search's concurrent reads (core.concurrent_reads), so
# workers x (threads + 2) stays well below PostgreSQL's max_connections (100). A worker that dies
# (kill -9, out of memory) drops every request its threads hold: behind nginx, which tries those
# GETs again, the Docker image runs 3 workers of 8 threads (Dockerfile).
threads = _number("GUNICORN_THREADS", 32)
# How long an idle kept-alive connection stays open, and how many connections a worker holds.
keepalive = _number("GUNICORN_KEEPALIVE", 5)
worker_connections = _number("GUNICORN_WORKER_CONNECTIONS", 1000)

# A worker whose event loop stops answering for this long is restarted. Requests run in threads,
# so a long export does not count against it (a sync worker was killed mid-download at 30 s).
timeout = _number("GUNICORN_TIMEOUT", 30)
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Request heads: a request line up to 4 KB (the explorer's longest canonical URL is far shorter),
# at most 100 header fields of 8 KB each. Larger heads get 400 before Django sees them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Recycle each worker after about this many requests, so that slow growth of a process's memory
# is bounded; the jitter keeps workers from restarting together. High, because a new process
# rebuilds the explorer's facet index (seconds at a million claims) on its first explorer page
# and starts with an empty page cache, whose hits take under a millisecond: at 5,000 a busy
# worker restarted every few seconds (issue #25).
max_requests = _number("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _number("GUNICORN_MAX_REQUESTS_JITTER", 5000)


def post_worker_init(worker):
    # What loading the app made lives as long as the worker: kept out of the garbage collector's
    # full passes, which walked all of it (130,000 objects, 20-30 ms) every few hundred requests.
    gc.freeze()


accesslog = "-"
# gunicorn 27 opens a control socket in ~/.gunicorn by default, one path for every instance on
# the machine; nothing here uses it.
control_socket_disable = True
