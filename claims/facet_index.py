"""The explorer's facet index: every claim's facet values in numpy arrays, held by each process,
so that a view's facet counts, filters and order cost milliseconds at a million claims, where
grouped COUNT queries cost seconds (issue #12).

Claims are numbered 0..N-1 in the "newest" order (claimed_date desc nulls last, id desc). A
single-valued facet (status, source, the date) is an array over those positions; a multi-valued
one (actor, topic, outlet) is two parallel arrays of links, claim position and value id, sorted by
value. A set of claims is a boolean mask over the positions.

The index is exact, never stale. PostgreSQL holds its version, which triggers change in the same
transaction as any change to what the index reads (claims/migrations/0007). A view reads the
version in the same REPEATABLE READ snapshot as its rows and its search (`snapshot`), and when
the process's index has another version, rebuilds it from that snapshot first (`current_index`).
"""

import threading
from contextlib import contextmanager

import numpy as np
from django.db import connections, transaction

from claims.models import Claim

STATUSES = list(Claim.Status.values)
RELATIONS = ["actor", "topic", "outlet"]
UNDATED_DAY = np.iinfo(np.int32).max  # sorts after every date, as NULLS LAST does

# Each query packs its rows into one bytea of big-endian int4s: read as Python tuples, the six
# million links of a million claims take 15 s; as one buffer for numpy, 3 s.
CLAIMS_SQL = """
    SELECT string_agg(
        int4send(id::int) || int4send(array_position(%s::text[], status::text) - 1)
        || int4send(coalesce(source_id::int, 0))
        || int4send(coalesce(claimed_date - DATE '1970-01-01', %s))
        || int4send((claimed_date_precision IN ('day', 'month'))::int),
        ''::bytea)
    FROM claims_claim
"""
# Facet 0 is actor (a person in any role, counted once), 1 topic, 2 outlet (of a reporting
# article; an article without an outlet counts for none).
LINKS_SQL = """
    SELECT string_agg(int4send(facet) || int4send(claim_id::int) || int4send(value::int), ''::bytea)
    FROM (
        SELECT DISTINCT 0 AS facet, claim_id, person_id AS value FROM claims_claimactor
        UNION ALL
        SELECT 1, claim_id, topic_id FROM claims_claim_topics
        UNION ALL
        SELECT DISTINCT 2, link.claim_id, article.outlet_id
        FROM claims_claim_articles link
        JOIN articles_article article ON article.id = link.article_id
        WHERE article.outlet_id IS NOT NULL
    ) links
"""


def _int_rows(packed, columns):
    return np.frombuffer(packed or b"", dtype=">i4").reshape(-1, columns).astype(np.int64)


class Relation:
    """The links of a multi-valued facet, sorted by value."""

    def __init__(self, claims, values):
        by_value = np.argsort(values, kind="stable")
        self.claims = claims[by_value]  # claim positions
        self.values = values[by_value]  # value ids
        self.starts = np.flatnonzero(np.diff(self.values, prepend=-1))  # each value's first link
        self.distinct = self.values[self.starts]

    def claims_with(self, value_ids, size):
        mask = np.zeros(size, dtype=bool)
        starts = np.searchsorted(self.values, value_ids, side="left")
        stops = np.searchsorted(self.values, value_ids, side="right")
        for start, stop in zip(starts, stops, strict=True):
            mask[self.claims[start:stop]] = True
        return mask

    def count(self, within):
        """(value ids, claims within) of each value; a sum over each value's run of links, twice
        as fast as a bincount of the links selected."""
        counts = np.add.reduceat(within[self.claims], self.starts, dtype=np.int64)
        found = counts > 0
        return self.distinct[found], counts[found]


class FacetIndex:
    def __init__(self, version, claims, links):
        """`claims`: rows of (id, status, source id, days since 1970, month is known), in any
        order; `links`: rows of (facet, claim id, value id)."""
        self.version = version
        self._counts_of_everything = {}
        ids, status, source, days, month_known = claims.T
        dated = days != UNDATED_DAY
        newest = np.lexsort((-ids, np.where(dated, -days, UNDATED_DAY)))
        self.ids = ids[newest]
        self.size = len(self.ids)
        self.position_of = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int32)
        self.position_of[self.ids] = np.arange(self.size, dtype=np.int32)
        self.oldest = self.position_of[ids[np.lexsort((ids, days))]]
        self.status = status[newest].astype(np.int8)
        self.source = source[newest].astype(np.int32)
        self._set_dates(days[newest], month_known[newest].astype(bool))
        self.relations = {
            name: self._relation(links[links[:, 0] == facet])
            for facet, name in enumerate(RELATIONS)
        }

    @classmethod
    def build(cls, cursor, version):
        cursor.execute(CLAIMS_SQL, [STATUSES, int(UNDATED_DAY)])
        claims = _int_rows(cursor.fetchone()[0], 5)
        cursor.execute(LINKS_SQL)
        return cls(version, claims, _int_rows(cursor.fetchone()[0], 3))

    def _set_dates(self, days, month_known):
        self.undated = days == UNDATED_DAY
        dates = np.where(self.undated, 0, days).astype("datetime64[D]")
        year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        self.year = np.where(self.undated, 0, year).astype(np.int16)
        self.month = np.where(month_known & ~self.undated, month, 0).astype(np.int8)
        self.first_year = int(self.year[~self.undated].min(initial=0))

    def _relation(self, links):
        return Relation(self.position_of[links[:, 1]], links[:, 2].astype(np.int32))

    # Sets of claims, as masks over positions.

    def everything(self):
        return np.ones(self.size, dtype=bool)

    def claims_with(self, facet, value_ids):
        """The claims with any of the values: people, topics, outlets, sources (ids) or
        statuses (names)."""
        if facet in self.relations:
            return self.relations[facet].claims_with(value_ids, self.size)
        if facet == "source":
            return np.isin(self.source, value_ids)
        return np.isin(self.status, [STATUSES.index(status) for status in value_ids])

    def claims_in_period(self, year, month=None):
        """Claims of the year, or of its month when the date is known to the month or day."""
        in_year = self.year == year
        return in_year if month is None else in_year & (self.month == month)

    def claims_with_ids(self, ids):
        mask = np.zeros(self.size, dtype=bool)
        mask[self.position_of[np.asarray(ids, dtype=np.int64)]] = True
        return mask

    # Counts within a set of claims.

    def count(self, facet, within):
        """(value ids, claims) of the facet's values found within the claims, by value id;
        statuses by name."""
        return self._counted_once_over_everything(facet, within, self._count)

    def _count(self, facet, within):
        if facet in self.relations:
            values, counts = self.relations[facet].count(within)
        else:
            counts = np.bincount(self.source[within] if facet == "source" else self.status[within])
            if facet == "source":
                counts[:1] = 0  # source id 0: the claim has none
            values = np.flatnonzero(counts)
            counts = counts[values]
        if facet == "status":
            return [STATUSES[value] for value in values], counts.tolist()
        return values.tolist(), counts.tolist()

    def count_periods(self, within):
        """({year: claims}, {(year, month): claims}, undated claims) within the claims."""
        return self._counted_once_over_everything("period", within, self._count_periods)

    def _count_periods(self, _, within):
        # int64: a far-off year (a typo such as 5024) must not wrap around in int16 arithmetic.
        year = self.year[within].astype(np.int64)  # year 0: undated
        month = self.month[within].astype(np.int64)
        dated, with_month = year > 0, month > 0
        years = np.bincount(year[dated] - self.first_year)
        months = np.bincount((year[with_month] - self.first_year) * 12 + month[with_month] - 1)
        return (
            {self.first_year + int(y): int(years[y]) for y in np.flatnonzero(years)},
            {
                (self.first_year + int(m) // 12, int(m) % 12 + 1): int(months[m])
                for m in np.flatnonzero(months)
            },
            int(np.count_nonzero(~dated)),
        )

    def _counted_once_over_everything(self, facet, within, count):
        """Counts over every claim are computed once: most views leave a facet or two with no
        other filter than their own."""
        if not within.all():
            return count(facet, within)
        if facet not in self._counts_of_everything:
            self._counts_of_everything[facet] = count(facet, within)
        return self._counts_of_everything[facet]

    # Order.

    def ids_in_order(self, matching, sort):
        """Ids of the matching claims, "newest" or "oldest" first."""
        positions = (
            np.flatnonzero(matching) if sort == "newest" else self.oldest[matching[self.oldest]]
        )
        return self.ids[positions]

    def ids_among(self, ids, matching):
        """Those of `ids` that match, in their order."""
        ids = np.asarray(ids, dtype=np.int64)
        return ids[matching[self.position_of[ids]]]


# One index per database: the primary and replicas lagging behind it are at different versions,
# and one index shared between them would be rebuilt back and forth.
_built = {}
_building = threading.Lock()


def current_index(using):
    """The index of what the current transaction sees on database `using`, built from it if
    the process's index is of another version (a full rebuild: some seconds at 1M claims)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT version FROM claims_facet_index_version")
        (version,) = cursor.fetchone()
        with _building:
            index = _built.get(using)
            if index is None or index.version != version:
                index = _built[using] = FacetIndex.build(cursor, version)
            return index


@contextmanager
def snapshot(using):
    """One REPEATABLE READ transaction on `using`, so that the index's version, the search and
    the rows are all read as of one moment. Inside a transaction already begun (tests), that one."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using, savepoint=False):
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
