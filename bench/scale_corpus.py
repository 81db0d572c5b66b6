"""The benchmark's archive for bench/scale.py: built with the app's own commands, then read for
the ids and words its views use."""

import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "fixtures" / "captures"
SEARCH_CONFIG = "english_unaccent"  # core.search.SEARCH_CONFIG, which the claims' vector uses
COMMON_SHARE = 0.05  # the "frequent" search term is in about this share of claims
SAMPLE_ROWS = 50_000  # words are counted on about this many claims, then checked on all
WORD = r"^[a-z]{5,}$"


@dataclass
class Picks:
    """What the views ask for: the most frequent topic and actor are id 1 (claims.corpus draws
    them by Zipf's law in id order); a busy year; a word in ~5% of claims and a rare one."""

    claims: int
    year: int
    common_term: str
    common_share: float
    rare_term: str
    rare_claims: int
    csv_filter: str
    csv_rows: int


def build(environment, claims, seed, marker):
    """Migrate and generate the corpus (generate_corpus replaces a synthetic archive), before
    anything serves it: serve would load the seed into an empty archive, and generate_corpus
    refuses one with real articles."""
    for command in (["migrate", "--verbosity", "0"], ["generate_corpus", "--claims", str(claims)]):
        if command[0] == "generate_corpus":
            command += ["--seed", str(seed)]
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=environment, check=True
        )
    marker.write_text(json.dumps({"claims": claims, "seed": seed}))


def is_built(marker, claims, seed):
    return marker.exists() and json.loads(marker.read_text()) == {"claims": claims, "seed": seed}


def choose(cursor, claims):
    year = _one(
        cursor,
        "SELECT EXTRACT(year FROM claimed_date)::int FROM claims_claim "
        "WHERE claimed_date IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    common, rare = _terms(cursor, claims)
    csv_filter, csv_rows = _csv_filter(cursor, min(claims, 100_000))
    return Picks(
        claims=claims,
        year=year,
        common_term=common,
        common_share=round(_matching(cursor, common) / claims, 4),
        rare_term=rare,
        rare_claims=_matching(cursor, rare),
        csv_filter=csv_filter,
        csv_rows=csv_rows,
    )


def _terms(cursor, claims):
    """A word in about 5% of claims and a rare one, from the words of a sample of claims."""
    every = max(1, claims // SAMPLE_ROWS)
    cursor.execute(
        "SELECT word, ndoc FROM ts_stat("
        f"'SELECT search_vector FROM claims_claim WHERE id %% {every} = 0') "
        "WHERE word ~ %s ORDER BY word",
        [WORD],
    )
    words = [(word, ndoc) for word, ndoc in cursor.fetchall() if word in _plain_words()]
    sampled = max(1, claims // every)
    common = min(words, key=lambda row: (abs(row[1] / sampled - COMMON_SHARE), row[0]))[0]
    rare = min(words, key=lambda row: (row[1], row[0]))[0]
    return common, rare


@cache
def _plain_words():
    """Words as the seed captures spell them (claims.corpus draws from them), so that a picked
    lexeme reads as a word, not a stem like "durabl"."""
    text = " ".join(path.read_text(encoding="utf-8") for path in CAPTURES.iterdir())
    return set(re.findall(r"[a-z]+", text.lower()))


def _matching(cursor, term):
    return _one(
        cursor,
        "SELECT count(*) FROM claims_claim WHERE search_vector @@ websearch_to_tsquery(%s, %s)",
        [SEARCH_CONFIG, term],
    )


def _csv_filter(cursor, wanted):
    """("status=…" or "", rows): the single filter whose claims number closest to `wanted`."""
    candidates = [("", _one(cursor, "SELECT count(*) FROM claims_claim"))]
    cursor.execute("SELECT 'status=' || status, count(*) FROM claims_claim GROUP BY 1")
    candidates += cursor.fetchall()
    cursor.execute(
        "SELECT 'topic=' || topic_id, count(*) FROM claims_claim_topics GROUP BY 1 "
        "ORDER BY 2 DESC LIMIT 10"
    )
    candidates += cursor.fetchall()
    return min(candidates, key=lambda row: (abs(row[1] - wanted), row[0]))


def _one(cursor, sql, parameters=()):
    cursor.execute(sql, parameters)
    return cursor.fetchone()[0]


def as_dict(picks):
    return asdict(picks)
