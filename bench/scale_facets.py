"""Check the explorer's facet counts, as its HTML shows them, against plain SQL.

Each facet counts the claims that match every chosen filter but its own (claims/facets.py says
so); the SQL here says the same thing independently of the app's code, so a faster way of
counting must give the same numbers.
"""

import random
from html.parser import HTMLParser
from http.client import HTTPConnection
from urllib.parse import parse_qsl, urlencode, urlsplit

from scale_load import get

STATUSES = ["reported", "corroborated", "disputed", "denied", "retracted"]
# Conditions on claims c, one per facet, each for one chosen value (%s).
CONDITIONS = {
    "topic": "c.id IN (SELECT claim_id FROM claims_claim_topics WHERE topic_id = %s)",
    "actor": "c.id IN (SELECT claim_id FROM claims_claimactor WHERE person_id = %s)",
    "status": "c.status = %s",
    "period": "EXTRACT(year FROM c.claimed_date) = %s",
}
# (value, claims) per value of a facet, over the claims c the WHERE clause keeps.
COUNTS = {
    "topic": "SELECT l.topic_id::text, count(DISTINCT c.id) FROM claims_claim c"
    " JOIN claims_claim_topics l ON l.claim_id = c.id WHERE {} GROUP BY 1",
    "actor": "SELECT l.person_id::text, count(DISTINCT c.id) FROM claims_claim c"
    " JOIN claims_claimactor l ON l.claim_id = c.id WHERE {} GROUP BY 1",
    "outlet": "SELECT a.outlet_id::text, count(DISTINCT c.id) FROM claims_claim c"
    " JOIN claims_claim_articles l ON l.claim_id = c.id"
    " JOIN articles_article a ON a.id = l.article_id"
    " WHERE a.outlet_id IS NOT NULL AND {} GROUP BY 1",
    "source": "SELECT c.source_id::text, count(*) FROM claims_claim c"
    " WHERE c.source_id IS NOT NULL AND {} GROUP BY 1",
    "status": "SELECT c.status, count(*) FROM claims_claim c WHERE {} GROUP BY 1",
    "period": "SELECT COALESCE(EXTRACT(year FROM c.claimed_date)::int::text, 'undated'), count(*)"
    " FROM claims_claim c WHERE {} GROUP BY 1",
}


def random_filters(rng, years):
    """[(facet, value)]: two to four filters, from the frequent values (non-empty views)."""
    choices = {
        "topic": lambda: str(rng.randint(1, 8)),
        "actor": lambda: str(rng.randint(1, 20)),
        "status": lambda: rng.choice(STATUSES),
        "period": lambda: str(rng.choice(years)),
    }
    return [(name, choices[name]()) for name in rng.sample(sorted(choices), rng.randint(2, 4))]


def check(port, cursor, samples, seed, years):
    """(counts compared, [mismatch descriptions]) over `samples` random filter combinations."""
    rng = random.Random(seed)
    compared, mismatches = 0, []
    connection = HTTPConnection("127.0.0.1", port, timeout=300)
    for _ in range(samples):
        filters = random_filters(rng, years)
        path = f"/claims/?{urlencode(filters)}"
        status, _, body = get(connection, path)
        if status != 200:
            mismatches.append(f"{path}: HTTP {status}")
            continue
        shown = shown_counts(body.decode(), filters)
        for facet, values in shown.items():
            expected = sql_counts(cursor, facet, filters)
            compared += len(values)
            mismatches += [
                f"{path}: {facet} {value} shows {count}, SQL counts {expected.get(value, 0)}"
                for value, count in values.items()
                if count != expected.get(value, 0)
            ]
    connection.close()
    return compared, mismatches


def sql_counts(cursor, facet, filters):
    """{value: claims} of `facet` over the claims matching every filter but the facet's own
    (values within a facet combine with OR, facets with AND)."""
    clauses, parameters = ["TRUE"], []
    for name in sorted({name for name, _ in filters} - {facet}):
        values = [value for other, value in filters if other == name]
        clauses.append("(" + " OR ".join([CONDITIONS[name]] * len(values)) + ")")
        parameters += values
    cursor.execute(COUNTS[facet].format(" AND ".join(clauses)), parameters)
    return {str(value): count for value, count in cursor.fetchall()}


def shown_counts(html, filters):
    """{facet: {value: count}} as the page shows them, years and "undated" only for the period
    (months are a histogram detail). A link's value is what it adds to (or takes from) the view."""
    parser = FacetParser()
    parser.feed(html)
    current = set(filters)
    shown = {}
    for facet, href, count in parser.values:
        linked = {pair for pair in parse_qsl(urlsplit(href).query) if pair[0] != "page"}
        toggled = [name_value for name_value in linked ^ current if name_value[0] == facet]
        added = [pair for pair in toggled if pair not in current]
        value = (added or toggled)[0][1]
        if facet != "period" or len(value) == 4 or value == "undated":
            shown.setdefault(facet, {})[value] = count
    return shown


class FacetParser(HTMLParser):
    """Collects (facet, href, count) of each `.facet-value` link inside a `details.facet`."""

    def __init__(self):
        super().__init__()
        self.values, self._facet, self._href, self._in_count = [], None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "details" and "facet" in classes:
            self._facet = attrs.get("data-facet")
        elif tag == "a" and "facet-value" in classes:
            self._href = attrs["href"]
        elif tag == "span" and "count" in classes and self._href:
            self._in_count = True

    def handle_data(self, data):
        if self._in_count:
            self.values.append((self._facet, self._href, int(data.replace(",", ""))))
            self._in_count, self._href = False, None
