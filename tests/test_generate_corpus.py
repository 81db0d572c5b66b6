"""generate_corpus: a synthetic archive for benchmarks, the same for a seed, never a real one."""

import hashlib
import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article
from claims.corpus import SYNTHETIC_NOTE
from claims.models import Claim, ClaimActor, Topic

pytestmark = pytest.mark.django_db(transaction=True)  # TRUNCATE and COPY, as the command runs
TABLES = [
    "articles_outlet", "articles_person", "articles_article", "claims_topic", "claims_source",
    "claims_claim", "claims_claimactor", "claims_claim_topics", "claims_claim_articles",
]  # fmt: skip


def archive_digest():
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def generate(claims, seed=1):
    call_command("generate_corpus", claims=claims, seed=seed, stdout=io.StringIO())


def test_the_same_seed_gives_the_same_archive():
    generate(400, seed=7)
    first = archive_digest()
    generate(400, seed=7)
    assert archive_digest() == first
    generate(400, seed=8)
    assert archive_digest() != first


def test_the_corpus_has_the_archives_shape():
    generate(2000)
    assert Claim.objects.count() == 2000
    assert Article.objects.count() == 400
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    precisions = set(Claim.objects.values_list("claimed_date_precision", flat=True))
    assert precisions == {"day", "month", "year", "unknown"}
    top_topic = Topic.objects.get(pk=1).claims.count()
    assert 0.2 * 2000 < top_topic < 0.35 * 2000  # Zipf: the top topic in about 27% of claims
    per_claim = ClaimActor.objects.count() / 2000
    assert 1.5 < per_claim < 2.5
    assert not Article.objects.exclude(provenance_note=SYNTHETIC_NOTE).exists()
    # New rows after the generated ones get the next ids.
    assert Topic.objects.create(name="A topic after", slug="after").pk == Topic.objects.count()


def test_it_refuses_an_archive_with_real_articles(seed):
    before = archive_digest()
    with pytest.raises(CommandError, match="holds real articles"):
        generate(100)
    assert archive_digest() == before


def test_it_refuses_a_count_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        generate(0)


def test_a_fresh_embedded_folder_is_migrated_first(tmp_path):
    """The refusal suggests a fresh EMBEDDED_POSTGRES_DIR: there the command makes the tables."""
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_corpus", "--claims", "30"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": "", "EMBEDDED_POSTGRES_DIR": str(tmp_path / "pg")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Migrating the database first.")
    assert "Generated 30 synthetic claims" in result.stdout
