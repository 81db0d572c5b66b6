"""The plans of every search's queries, from EXPLAIN (ANALYZE, BUFFERS), on an existing archive
(issue #25).

    EMBEDDED_POSTGRES_DIR=var/bench-postgres .venv/bin/python bench/search_plans.py [--plans]

The archive is one made by `manage.py generate_corpus --claims 200000` (or more); this only
reads it. It picks a word in about 5% of claims, a word in about 0.5%, the most frequent
person's name and a two-word phrase, runs the search page for each kind (claims, quotes,
articles) and the explorer with q= (alone, and with the most frequent topic) as the views do,
and explains each query that searches: its time, the buffers it read, its scans, and its rows
estimated against found. --plans prints each plan whole.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import scale_corpus

from newsarchive import database

SCANS = ("Scan", "Join")  # plan nodes worth naming: how rows are found and combined


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", action="store_true", help="print each plan whole")
    whole_plans = parser.parse_args().plans
    embedded_data_dir = database.start_embedded_server_unless_configured()
    try:
        import django

        django.setup()
        for label, run in _views():
            print(f"\n{label}")
            for sql in _searching_queries(run):
                _explain(sql, whole_plans)
    finally:
        if embedded_data_dir is not None:
            database.stop_embedded_server(embedded_data_dir)


def _views():
    """(label, a function running one view's queries) for each kind and query."""
    views = []
    for term in _terms():
        for kind in ["claims", "quotes", "articles"]:
            views.append(
                (
                    f"/search/?q={term}&type={kind}",
                    lambda term=term, kind=kind: _search(term, kind),
                )
            )
        for parameters in [f"q={quote_plus(term)}", f"q={quote_plus(term)}&topic=1"]:
            # claims.corpus draws topic 1 most often
            views.append((f"/claims/?{parameters}", lambda p=parameters: _explore(p)))
    return views


def _search(term, kind):
    from claims.search import prepare_search, search_everything

    for group in search_everything(prepare_search(term), kind=kind):
        list(group.page or [])


def _explore(parameters):
    from django.http import QueryDict

    from claims.explorer import explore

    exploration = explore(QueryDict(parameters), "/claims/")
    assert exploration.is_valid, exploration.error
    list(exploration.page)


def _terms():
    """The words bench/scale.py searches (one in about 5% of claims, a rare one), the most
    frequent person's name (claims.corpus draws person 1 most often) and a phrase."""
    from django.db import connection

    from articles.models import Person
    from claims.models import Claim

    with connection.cursor() as cursor:
        picks = scale_corpus.choose(cursor, Claim.objects.count())
    common = picks.common_term
    followed = rf"{common}\s+[a-z]{{5,}}"  # the word and the next that is not a stop word
    statement = Claim.objects.filter(statement__iregex=rf"\m{followed}").first().statement
    phrase = re.search(rf"\b{followed}", statement, re.IGNORECASE)[0]
    return [common, picks.rare_term, Person.objects.get(pk=1).name, f'"{phrase.lower()}"']


def _searching_queries(run):
    """The SQL of each query the run makes that matches text (a tsquery in it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return [query["sql"] for query in captured.captured_queries if "tsquery" in query["sql"]]


def _explain(sql, whole_plans):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        explained = cursor.fetchone()[0]
        if isinstance(explained, str):
            explained = json.loads(explained)
        plan = explained[0]
        if whole_plans:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            print("\n".join(row[0] for row in cursor.fetchall()))
    root = plan["Plan"]
    # "ranks": a search page's ids ranked among every match and counted (claims.search)
    what = "count" if sql.upper().startswith("SELECT COUNT(") else "rows"
    what = "ranks" if " OVER (" in sql else what
    buffers = root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0)
    print(
        f"  {what:5} {plan['Execution Time']:8.1f} ms  {buffers:7} buffers  "
        f"rows est {root['Plan Rows']} / actual {root['Actual Rows']}"
    )
    for node in _nodes(root):
        if any(word in node["Node Type"] for word in SCANS):
            on = node.get("Index Name") or node.get("Relation Name") or ""
            removed = node.get("Rows Removed by Filter")
            print(
                f"        {node['Node Type']} {on}: est {node['Plan Rows']} "
                f"/ actual {node['Actual Rows']} x{node['Actual Loops']}"
                + (f", {removed} removed by filter" if removed else "")
            )


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


if __name__ == "__main__":
    main()
