"""The same corpus in SQLite, served by Datasette, for bench/scale.py's comparison.

Datasette lives in its own virtual environment under var/bench/ (git-ignored), never in the
app's: it is a yardstick, not a dependency. The claims table is denormalised as Datasette's facets
need: status, year and source publisher as columns, topics and actors as JSON arrays of names
(for `_facet_array`), plus a claim_topics table (indexed) to filter by topic, and FTS5 over the
statements made by sqlite-utils.
"""

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

PACKAGES = ["datasette", "sqlite-utils"]
# Datasette's defaults stop a facet after 200 ms and a query after 1 s; a larger corpus would
# then answer quickly with facets missing. These limits let it finish, so it is timed honestly.
SETTINGS = {"sql_time_limit_ms": 20000, "facet_time_limit_ms": 20000}
CLAIMS_SQL = """
SELECT c.id, c.statement, c.status, EXTRACT(year FROM c.claimed_date)::int, s.publisher,
    (SELECT json_agg(t.name ORDER BY t.name) FROM claims_claim_topics ct
        JOIN claims_topic t ON t.id = ct.topic_id WHERE ct.claim_id = c.id),
    (SELECT json_agg(DISTINCT p.name) FROM claims_claimactor ca
        JOIN articles_person p ON p.id = ca.person_id WHERE ca.claim_id = c.id)
FROM claims_claim c LEFT JOIN claims_source s ON s.id = c.source_id
"""
BATCH = 10_000


def install(venv):
    """Datasette and sqlite-utils in their own venv (once); the venv's bin folder."""
    bin_dir = venv / "bin"
    if not (bin_dir / "datasette").exists():
        print(f"Installing {', '.join(PACKAGES)} into {venv}…", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *PACKAGES]
        subprocess.run(pip, check=True)
    return bin_dir


def export(database_url, path, bin_dir):
    """Write the corpus to a new SQLite file at `path`, with its indexes and full-text index."""
    path.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as sqlite, psycopg.connect(database_url) as pg:
        sqlite.executescript(
            "CREATE TABLE claims (id INTEGER PRIMARY KEY, statement TEXT, status TEXT,"
            " year INTEGER, source TEXT, topics TEXT, actors TEXT);"
            "CREATE TABLE claim_topics (claim_id INTEGER, topic_id INTEGER);"
        )
        _copy(pg, sqlite, CLAIMS_SQL, "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?)", _json)
        _copy(
            pg,
            sqlite,
            "SELECT claim_id, topic_id FROM claims_claim_topics",
            "INSERT INTO claim_topics VALUES (?, ?)",
        )
        sqlite.executescript(
            "CREATE INDEX claims_status ON claims (status);"
            "CREATE INDEX claims_year ON claims (year);"
            "CREATE INDEX claim_topics_topic ON claim_topics (topic_id, claim_id);"
            "ANALYZE;"
        )
        sqlite.commit()
    fts = [str(bin_dir / "sqlite-utils"), "enable-fts", str(path), "claims", "statement"]
    subprocess.run([*fts, "--fts5"], check=True)


def _copy(pg, sqlite, select, insert, transform=tuple):
    with pg.cursor(name="export") as cursor:
        cursor.execute(select)
        while rows := cursor.fetchmany(BATCH):
            sqlite.executemany(insert, [transform(row) for row in rows])


def _json(row):
    *columns, topics, actors = row
    return (*columns, json.dumps(topics or []), json.dumps(actors or []))


@contextlib.contextmanager
def serving(bin_dir, database, port, log):
    """Datasette serving `database` (immutable: it is only read) on 127.0.0.1:port."""
    command = [str(bin_dir / "datasette"), "serve", "-i", str(database), "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, str(value)]
    with open(log, "w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/", server)
        yield server
    finally:
        server.terminate()
        server.wait(30)


def wait_until_answering(url, process, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=5).close()
            return
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def views(database, topic_id, term):
    """{name: path} of the Datasette pages that match the explorer's views."""
    table = f"/{Path(database).stem}/claims"
    return {
        "Datasette: one topic, 3 facets": (
            f"{table}?_where=id+in+(select+claim_id+from+claim_topics+where+topic_id%3D{topic_id})"
            "&_facet=status&_facet=year&_facet_array=actors"
        ),
        "Datasette: full-text, 1 facet": f"{table}?_search={term}&_facet=status",
    }


def timed_out_facets(port, path):
    """The facets Datasette gave up on for `path` (its JSON says so), to flag an unfair race."""
    base, _, query = path.partition("?")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{base}.json?{query}") as response:
        return json.load(response).get("facets_timed_out", [])
