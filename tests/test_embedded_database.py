"""The embedded PostgreSQL: started from an empty folder, reused, shared, and stopped."""

import os
import subprocess
import sys
import textwrap

import psycopg
import pytest
from django.conf import settings

from newsarchive import database

# Each step runs in its own process, as runserver, gunicorn and manage.py commands would.
START = textwrap.dedent("""
    import sys
    from newsarchive import database
    print(database.embedded_database_url(sys.argv[1]))
""")


def run_python(code, *args, environment=None):
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **(environment or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def postmaster_running(data_dir):
    return (data_dir / "postmaster.pid").exists()


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "postgres"


def test_it_starts_from_an_empty_folder_and_stops_when_the_process_exits(data_dir):
    url = run_python(START, str(data_dir))
    assert (data_dir / "PG_VERSION").exists()
    assert url.startswith("postgresql://postgres@") and url.endswith("/newsarchive")
    assert not postmaster_running(data_dir)


def test_it_reuses_the_data_of_an_earlier_start(data_dir):
    write = START + textwrap.dedent("""
        import psycopg
        with psycopg.connect(database.embedded_database_url(sys.argv[1])) as connection:
            connection.execute("CREATE TABLE kept (word text)")
            connection.execute("INSERT INTO kept VALUES ('still here')")
    """)
    read = START + textwrap.dedent("""
        import psycopg
        with psycopg.connect(database.embedded_database_url(sys.argv[1])) as connection:
            print(connection.execute("SELECT word FROM kept").fetchone()[0])
    """)
    run_python(write, str(data_dir))
    assert run_python(read, str(data_dir)).splitlines()[-1] == "still here"


def test_a_second_process_attaches_to_a_running_server_without_stopping_it(data_dir):
    holder = subprocess.Popen(
        [sys.executable, "-c", START + "sys.stdout.flush(); sys.stdin.read()", str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = holder.stdout.readline().strip()
        assert run_python(START, str(data_dir)) == url
        assert postmaster_running(data_dir), "the second process must not stop a shared server"
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0
    assert not postmaster_running(data_dir), "the last process to exit stops the server"


def test_a_process_that_died_without_detaching_does_not_keep_the_server_alive(data_dir):
    killed = subprocess.Popen(
        [sys.executable, "-c", START + "sys.stdout.flush(); sys.stdin.read()", str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    killed.stdout.readline()
    killed.kill()
    killed.wait()
    assert postmaster_running(data_dir)
    run_python(START, str(data_dir))
    assert not postmaster_running(data_dir)


def test_an_entry_point_without_a_database_url_starts_the_server_and_hands_on_its_url(data_dir):
    entry_point = textwrap.dedent("""
        import os
        from newsarchive import database
        database.start_embedded_server_unless_configured()
        print(os.environ["DATABASE_URL"])
    """)
    url = run_python(
        entry_point, environment={"DATABASE_URL": "", "EMBEDDED_POSTGRES_DIR": str(data_dir)}
    )
    assert url.startswith("postgresql://postgres@") and url.endswith("/newsarchive")
    assert (data_dir / "PG_VERSION").exists()
    assert not postmaster_running(data_dir), "the library stops it when the process exits"


def test_an_entry_point_with_a_database_url_starts_nothing(monkeypatch, data_dir):
    monkeypatch.setenv("DATABASE_URL", "postgres://archive@db.example/newsarchive")
    monkeypatch.setenv("EMBEDDED_POSTGRES_DIR", str(data_dir))
    assert database.start_embedded_server_unless_configured() is None
    assert os.environ["DATABASE_URL"] == "postgres://archive@db.example/newsarchive"
    assert not data_dir.exists()


def test_production_never_starts_an_embedded_server(monkeypatch, data_dir):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NEWSARCHIVE_ENV", "production")
    monkeypatch.setenv("EMBEDDED_POSTGRES_DIR", str(data_dir))
    assert database.start_embedded_server_unless_configured() is None
    assert "DATABASE_URL" not in os.environ
    assert not data_dir.exists()


GIB = 2**30


@pytest.mark.parametrize(("memory", "expected"), [
    (1 * GIB, {"shared_buffers": "256MB", "effective_cache_size": "768MB", "work_mem": "4MB",
               "maintenance_work_mem": "64MB"}),
    (4 * GIB, {"shared_buffers": "1024MB", "effective_cache_size": "3072MB", "work_mem": "10MB",
               "maintenance_work_mem": "256MB"}),
    (24 * GIB, {"shared_buffers": "6144MB", "effective_cache_size": "18432MB", "work_mem": "61MB",
                "maintenance_work_mem": "1536MB"}),
    (64 * GIB, {"shared_buffers": "8192MB", "effective_cache_size": "49152MB", "work_mem": "64MB",
                "maintenance_work_mem": "2048MB"}),
])  # fmt: skip
def test_the_settings_are_sized_from_the_memory_given(memory, expected):
    tuned = database.tuned_settings(memory)
    assert {name: tuned[name] for name in expected} == expected
    assert tuned["random_page_cost"] == "1.1"
    assert tuned["max_connections"] == str(database.MAX_CONNECTIONS)


def test_the_memory_is_the_containers_limit_when_it_sets_one(monkeypatch, tmp_path):
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = tmp_path / "memory.max"
    monkeypatch.setattr(database, "CGROUP_MEMORY_LIMIT", limit)
    assert database.machine_memory() == physical  # no cgroup v2 file
    limit.write_text("max\n")
    assert database.machine_memory() == physical
    limit.write_text(f"{GIB}\n")
    assert database.machine_memory() == min(GIB, physical)


def in_effect(connection, settings):
    """Whether the server runs with these settings (SHOW writes 8192MB as 8GB, hence sizes)."""
    sizes = ["shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem"]
    for name, value in settings.items():
        shown = connection.execute(f"SHOW {name}").fetchone()[0]
        if name in sizes:
            same = "SELECT pg_size_bytes(%s) = pg_size_bytes(%s)"
            if not connection.execute(same, [shown, value]).fetchone()[0]:
                return False
        elif shown != value:
            return False
    return True


def test_a_new_data_folder_is_tuned_once_and_keeps_what_was_changed_since(data_dir):
    tuned = database.tuned_settings(database.machine_memory())
    holder = subprocess.Popen(
        [sys.executable, "-c", START + "sys.stdout.flush(); sys.stdin.read()", str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = holder.stdout.readline().strip()
        with psycopg.connect(url, autocommit=True) as connection:
            assert in_effect(connection, tuned)
            connection.execute("ALTER SYSTEM SET work_mem = '8MB'")
    finally:
        holder.communicate("", timeout=60)
    assert not postmaster_running(data_dir)

    # Started again, it is not sized again: what was set since stays.
    again = START + textwrap.dedent("""
        import psycopg
        with psycopg.connect(database.embedded_database_url(sys.argv[1])) as connection:
            print(connection.execute("SHOW work_mem").fetchone()[0])
    """)
    assert run_python(again, str(data_dir)).splitlines()[-1] == "8MB"


def test_the_test_runs_own_server_is_tuned(db):
    if settings.EMBEDDED_TEST_DATABASE_DIR is None:
        pytest.skip("DATABASE_URL names a server this test run didn't start")
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        assert in_effect(connection, database.tuned_settings(database.machine_memory()))
