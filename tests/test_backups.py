"""`manage.py backup` and `manage.py restore`: a backup restored into a fresh embedded database
is the same archive, row for row, with the same history and the same search results."""

import json
import os
import subprocess
import sys
import textwrap
from io import StringIO
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg.conninfo import conninfo_to_dict

from articles.models import Article, Outlet, Person, Quote
from claims import backups
from claims.backups import POSTGRES_BIN
from claims.models import Claim, Source, Topic
from newsarchive import database
from tests.servers import BASE_DIR
from tests.varied_archive import build_varied_archive

# Run in a process of its own against DATABASE_URL: what a restored archive would show.
SUMMARY = textwrap.dedent("""
    import json
    import django
    django.setup()
    from django.db import connection
    from claims.models import Claim
    from claims.search import prepare_search, search_everything

    summary = {"tables": {}}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(
                "SELECT count(*), md5(coalesce("
                "string_agg(row::text, chr(10) ORDER BY row::text), ''))"
                f' FROM "{table}" row'
            )
            summary["tables"][table] = list(cursor.fetchone())
    summary["claims"] = [
        [claim.pk, claim.updated_at.isoformat(), claim.version, claim.history.count()]
        for claim in Claim.objects.order_by("pk")
    ]
    summary["history"] = [
        [row.history_id, row.id, row.history_type, row.history_date.isoformat()]
        for row in Claim.history.order_by("history_id")
    ]
    summary["search"] = {
        words: [
            [group.kind, group.count, [row.pk for row in group.page or []]]
            for group in search_everything(prepare_search(words))
        ]
        for words in ["no", "Ukraine", "deal guarantees"]
    }
    print(json.dumps(summary))
""")


def summary_of(database_url):
    result = subprocess.run(
        [sys.executable, "-c", SUMMARY],
        cwd=BASE_DIR,
        env=os.environ
        | {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "newsarchive.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def manage(database_url, *arguments):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=os.environ | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def url_of_the_test_database():
    settings = connection.settings_dict
    return (
        f"postgresql://{settings['USER']}@{quote(settings['HOST'], safe='')}"
        f"{':' + str(settings['PORT']) if settings['PORT'] else ''}/{settings['NAME']}"
    )


@pytest.fixture
def fresh_database(tmp_path):
    data_dir = tmp_path / "restored"
    yield database.embedded_database_url(data_dir, temporary=True)
    database.stop_embedded_server(data_dir)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_as_the_same_archive(tmp_path, fresh_database):
    build_varied_archive()
    User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    claim = Claim.objects.order_by("pk").first()
    claim.statement = "Edited once, so that the claim has history beyond its creation."
    claim.save()
    backup = tmp_path / "archive.dump"

    call_command("backup", str(backup))
    restored = manage(fresh_database, "restore", str(backup))

    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and "claims" in restored.stdout
    original, copy = summary_of(url_of_the_test_database()), summary_of(fresh_database)
    assert copy["tables"] == original["tables"]  # every table: row count and contents
    assert copy["claims"] == original["claims"]  # ids, update times, versions, history
    assert copy["history"] == original["history"]
    assert copy["search"] == original["search"]
    assert any(count for _, count, _ in original["search"]["Ukraine"])  # a search that finds


@pytest.mark.django_db(transaction=True)
def test_an_archive_with_data_is_replaced_only_when_asked(tmp_path, fresh_database):
    build_varied_archive()
    backup = tmp_path / "archive.dump"
    call_command("backup", str(backup))
    assert manage(fresh_database, "restore", str(backup)).returncode == 0

    refused = manage(fresh_database, "restore", str(backup))
    assert refused.returncode != 0
    assert "This archive holds" in refused.stderr and "--replace" in refused.stderr

    replaced = manage(fresh_database, "restore", "--replace", str(backup))
    assert replaced.returncode == 0, replaced.stderr
    assert "Replacing this archive's" in replaced.stdout


def test_a_missing_backup_file_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="There is no backup file"):
        call_command("restore", str(tmp_path / "absent.dump"))


def cut_in_its_data(whole, path):
    """The dump cut halfway through its data, after its table of contents (the shortest start
    of it that pg_restore can list): pg_restore has dropped and created tables, and restored
    some, when it finds out."""
    listed, unlisted = len(whole), 0
    while listed - unlisted > 1:
        middle = (listed + unlisted) // 2
        path.write_bytes(whole[:middle])
        listing = subprocess.run([POSTGRES_BIN / "pg_restore", "--list", str(path)],
                                 capture_output=True)  # fmt: skip
        listed, unlisted = (middle, unlisted) if listing.returncode == 0 else (listed, middle)
    return whole[: (listed + len(whole)) // 2]


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_fails_partway_leaves_the_archive_as_it_was(tmp_path):
    build_varied_archive()
    backup = tmp_path / "archive.dump"
    call_command("backup", str(backup))
    before = summary_of(url_of_the_test_database())
    cut = tmp_path / "cut.dump"
    cut.write_bytes(cut_in_its_data(backup.read_bytes(), cut))

    with pytest.raises(CommandError, match="The restore failed; nothing was changed"):
        call_command("restore", "--replace", str(cut), stdout=StringIO())
    assert summary_of(url_of_the_test_database()) == before


@pytest.mark.django_db(transaction=True)
def test_a_restore_in_this_process_puts_back_what_the_backup_held(tmp_path):
    build_varied_archive()
    backup = tmp_path / "archive.dump"
    call_command("backup", str(backup), stdout=StringIO())
    before = summary_of(url_of_the_test_database())
    Claim.objects.order_by("pk").first().delete()
    Claim.objects.update(statement="Changed after the backup.")

    output = StringIO()
    call_command("restore", "--replace", str(backup), stdout=output)

    assert summary_of(url_of_the_test_database()) == before
    assert "\n  claims_claim\n" in output.getvalue()  # each table as pg_restore reaches it


@pytest.mark.django_db
def test_the_archive_is_counted_with_its_user_accounts_and_described_in_words():
    build_varied_archive()
    User.objects.create_user("edith")
    models = [Outlet, Article, Person, Quote, Claim, Topic, Source]
    expected = {model._meta.verbose_name_plural: model.objects.count() for model in models}
    assert backups.contents() == expected | {"user accounts": get_user_model().objects.count()}
    assert backups.describe({"claims": 1234, "user accounts": 1}) == "1,234 claims, 1 user accounts"


# A stand-in for pg_dump: it reports, as pg_dump --verbose reports tables, its password, a
# variable of the environment it was given, and its arguments; it writes on stdout, and then
# the lines and exit status it is told to.
FAKE_PG_DUMP = """#!/bin/sh
for line in "${PGPASSWORD-no password}" "$NEWSARCHIVE_INHERITED" "$@"; do
    printf 'pg_dump: dumping contents of table "public.%s"\\n' "$line" >&2
done
echo "what pg_dump would print"
printf "$FAKE_STDERR" >&2
exit "${FAKE_EXIT:-0}"
"""


@pytest.fixture
def fake_pg_dump(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "pg_dump").write_text(FAKE_PG_DUMP)
    (folder / "pg_dump").chmod(0o755)
    monkeypatch.setattr(backups, "POSTGRES_BIN", folder)
    monkeypatch.setenv("NEWSARCHIVE_INHERITED", "inherited")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return monkeypatch


def test_pg_dump_is_given_the_database_settings_the_password_and_the_environment(
    tmp_path, fake_pg_dump, capfd
):
    settings = {
        "HOST": "db.example", "PORT": "6543", "USER": "archivist", "NAME": "news",
        "PASSWORD": "a secret", "OPTIONS": {"sslmode": "require", "pool": True},
    }  # fmt: skip
    for key, value in settings.items():
        fake_pg_dump.setitem(connection.settings_dict, key, value)
    reported = []
    # A name that holds " table ", as pg_dump's names of tables may: only its first splits.
    path = tmp_path / "a table of contents.dump"
    backups.dump(path, reported.append)
    password, inherited, verbose, dbname, conninfo, *rest = reported
    assert [password, inherited, verbose, dbname] == [
        "a secret",
        "inherited",
        "--verbose",
        "--dbname",
    ]
    assert conninfo_to_dict(conninfo) == {
        "host": "db.example", "port": "6543", "user": "archivist", "dbname": "news",
        "sslmode": "require",
    }  # fmt: skip
    assert rest == ["--format=custom", "--file", str(path)]
    assert capfd.readouterr().out == ""  # what the program prints is not ours to print


def test_without_a_password_or_a_port_pg_dump_is_given_neither(tmp_path, fake_pg_dump):
    for key, value in {"HOST": "db.example", "PORT": "", "PASSWORD": ""}.items():
        fake_pg_dump.setitem(connection.settings_dict, key, value)
    reported = []
    backups.dump(tmp_path / "archive.dump", reported.append)
    assert reported[0] == "no password"
    assert "port" not in conninfo_to_dict(reported[4])


def test_a_failing_pg_dump_is_told_by_its_errors_and_warnings_or_by_its_exit_status(
    tmp_path, fake_pg_dump
):
    fake_pg_dump.setenv("FAKE_STDERR", "pg_dump: Warning: old server\\nchatter\\nERROR: refused\\n")
    fake_pg_dump.setenv("FAKE_EXIT", "1")
    with pytest.raises(backups.BackupError) as failure:
        backups.dump(tmp_path / "archive.dump", lambda table: None)
    assert str(failure.value) == "pg_dump: Warning: old server\nERROR: refused"
    fake_pg_dump.setenv("FAKE_STDERR", "chatter\\n")
    fake_pg_dump.setenv("FAKE_EXIT", "3")
    with pytest.raises(backups.BackupError, match=r"^pg_dump exited with 3$"):
        backups.dump(tmp_path / "archive.dump", lambda table: None)
