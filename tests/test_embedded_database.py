"""The embedded PostgreSQL: started from an empty folder, reused, shared, and stopped."""

import os
import subprocess
import sys
import textwrap

import psycopg
import pytest

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
