"""The explorer's facet index: every claim's facet values in numpy arrays, held by each process,
so that a view's facet counts, filters and order cost milliseconds at a million claims, where
grouped COUNT queries cost seconds (issue #12).

Claims are numbered 0..N-1 in the "newest" order (claimed_date desc nulls last, id desc). A
single-valued facet (status, source, the date) is an array over those positions; a multi-valued
one (actor, topic, outlet) is two parallel arrays of links, claim and value id, sorted by value,
and their values again grouped by claim id, so that a person's or a source's few claims count
their values from their own links. A set of claims is a boolean mask over the positions.

The index is exact, never stale. Triggers log, in the same transaction as any change to what the
index reads, which claims it touched (claims/migrations/0008). The index remembers the snapshot
it was read in; a view reads, in the same REPEATABLE READ snapshot as its rows and its search
(`snapshot`), the claims logged by transactions that snapshot did not see, and the index
re-reads just those (`current_index`): milliseconds after an editor's save, where a rebuild
takes seconds at a million claims.
"""

import datetime
import threading
from contextlib import contextmanager

import numpy as np
from django.db import connections, transaction

from claims.models import Claim

STATUSES = list(Claim.Status.values)
RELATIONS = ["actor", "topic", "outlet"]
UNDATED_DAY = np.iinfo(np.int32).max  # sorts after every date, as NULLS LAST does
# The triggers prune the log after a day; an index read longer ago than this rebuilds instead.
OLDEST_FOLLOWED = datetime.timedelta(hours=23)
# Within fewer claims than this share of all, a relation counts just their links (by claim id),
# not every link. At 200k claims, per relation: 0.05 ms against 1.5 within 0.1% of the claims,
# 0.8 against 1.8 within 5%, even at 10%, 3-4 times slower at 20% (issue #25).
FEW_CLAIMS = 0.05
# A page of ids is found among the matches of a mask by how many each chunk of it holds.
TRUES_CHUNK = 2**16

# Each query packs its rows into one bytea of big-endian int4s: read as Python tuples, the six
# million links of a million claims take 15 s; as one buffer for numpy, 3 s. `{only}` narrows
# them to the claims in %(changed)s.
CLAIMS_SQL = """
    SELECT string_agg(
        int4send(id::int) || int4send(array_position(%(statuses)s::text[], status::text) - 1)
        || int4send(coalesce(source_id::int, 0))
        || int4send(coalesce(claimed_date - DATE '1970-01-01', %(undated)s))
        || int4send((claimed_date_precision IN ('day', 'month'))::int),
        ''::bytea)
    FROM claims_claim WHERE true {only}
"""
# Facet 0 is actor (a person in any role, counted once), 1 topic, 2 outlet (of a reporting
# article; an article without an outlet counts for none).
LINKS_SQL = """
    SELECT string_agg(int4send(facet) || int4send(claim_id::int) || int4send(value::int), ''::bytea)
    FROM (
        SELECT DISTINCT 0 AS facet, claim_id, person_id AS value FROM claims_claimactor
        WHERE true {only}
        UNION ALL
        SELECT 1, claim_id, topic_id FROM claims_claim_topics WHERE true {only}
        UNION ALL
        SELECT DISTINCT 2, link.claim_id, article.outlet_id
        FROM claims_claim_articles link
        JOIN articles_article article ON article.id = link.article_id
        WHERE article.outlet_id IS NOT NULL {only}
    ) links
"""
# The snapshot, and the claims changed by transactions that %(known)s (the index's snapshot) did
# not see, or by this transaction itself (what it has not committed, an index read in it holds).
CHANGES_SQL = """
    SELECT pg_current_snapshot()::text, now(),
        ARRAY(SELECT DISTINCT claim_id FROM claims_facet_change
              WHERE xid >= pg_snapshot_xmin(%(known)s::pg_snapshot)
              AND NOT pg_visible_in_snapshot(xid, %(known)s::pg_snapshot)),
        ARRAY(SELECT DISTINCT claim_id FROM claims_facet_change
              WHERE xid = pg_current_xact_id_if_assigned())
"""


def _int_rows(packed, columns):
    return np.frombuffer(packed or b"", dtype=">i4").reshape(-1, columns).astype(np.int64)


def _read(cursor, changed=None):
    """(claims, links) rows of every claim, or of the `changed` claim ids only."""
    only = "" if changed is None else "AND {} = ANY(%(changed)s)"
    parameters = {"statuses": STATUSES, "undated": int(UNDATED_DAY), "changed": changed}
    cursor.execute(CLAIMS_SQL.format(only=only.format("id")), parameters)
    claims = _int_rows(cursor.fetchone()[0], 5)
    cursor.execute(LINKS_SQL.format(only=only.format("claim_id")), parameters)
    return claims, _int_rows(cursor.fetchone()[0], 3)


class Relation:
    """The links of a multi-valued facet, sorted by value, and grouped by claim (`by_claim`)."""

    def __init__(self, claim_ids, values, by_claim, distinct=None):
        """`distinct`: the values linked, when known (`np.unique` of six million links takes
        longer than finding where a few thousand values start)."""
        self.claim_ids = claim_ids
        self.values = values  # value ids
        self.by_claim = by_claim
        if distinct is None:
            distinct = np.unique(values)
        starts = np.searchsorted(values, distinct, side="left")
        linked = starts < np.searchsorted(values, distinct, side="right")
        self.starts, self.distinct = starts[linked], distinct[linked]  # each value's first link

    @classmethod
    def of(cls, links, claim_id_count):
        """From rows of (facet, claim id, value id) of claims with ids below `claim_id_count`."""
        claim_ids, values, distinct = _by_value(links)
        return cls(claim_ids, values, LinksByClaim.of(claim_ids, values, claim_id_count), distinct)

    def updated(self, unchanged, links):
        """The links of the `unchanged` claims (a mask over claim ids) and the new `links`."""
        kept = unchanged[self.claim_ids]
        claim_ids, values = self.claim_ids[kept], self.values[kept]
        new_claim_ids, new_values, new_distinct = _by_value(links)
        at = np.searchsorted(values, new_values, side="right")
        return Relation(
            np.insert(claim_ids, at, new_claim_ids),
            np.insert(values, at, new_values),
            self.by_claim.updated(unchanged, new_claim_ids, new_values),
            np.union1d(self.distinct, new_distinct),
        )

    def place(self, position_of):
        self.claims = position_of[self.claim_ids]  # claim positions

    def claims_with(self, value_ids, size):
        mask = np.zeros(size, dtype=bool)
        starts = np.searchsorted(self.values, value_ids, side="left")
        stops = np.searchsorted(self.values, value_ids, side="right")
        for start, stop in zip(starts, stops, strict=True):
            mask[self.claims[start:stop]] = True
        return mask

    def count(self, within, ids):
        """(value ids, claims within) of each value. Within a few claims (a person's, a
        source's), a count of just their links; within many, a sum over each value's run of
        links, twice as fast as a bincount of the links selected."""
        if _few(within):
            return self.by_claim.count(ids[within])
        # np.take, not within[self.claims]: indexing first copies the int32 positions to intp,
        # which takes longer than the gather itself.
        counts = _sums(np.take(within, self.claims), self.starts)
        found = counts > 0
        return self.distinct[found], counts[found]


def _few(within):
    return np.count_nonzero(within) < len(within) * FEW_CLAIMS


def _sums(selected, starts):
    """How many of the `selected` (a mask) each run, from its start to the next, holds: a sum
    over bytes into int32, five times faster than over booleans into int64."""
    return np.add.reduceat(selected.view(np.uint8), starts, dtype=np.int32)


def _by_value(links):
    """(claim ids, value ids, distinct value ids) of rows of (facet, claim id, value id), sorted
    by value."""
    by_value = np.argsort(links[:, 2], kind="stable")
    values = links[by_value, 2].astype(np.int32)
    distinct = values[np.flatnonzero(np.diff(values, prepend=-1))]
    return links[by_value, 1].astype(np.int32), values, distinct


class LinksByClaim:
    """The value ids of a relation's links grouped by claim id: claim id c's are
    `values[starts[c]:starts[c + 1]]`. Claim ids, unlike positions, stay put when claims
    change, so that an edit moves only the links of the claims it touched."""

    def __init__(self, starts, values):
        self.starts, self.values = starts, values

    @classmethod
    def of(cls, claim_ids, values, claim_id_count):
        by_claim = np.argsort(claim_ids, kind="stable")
        return cls(_starts(np.bincount(claim_ids, minlength=claim_id_count)), values[by_claim])

    def updated(self, unchanged, claim_ids, values):
        """The links of the `unchanged` claims (a mask over claim ids) and the new links."""
        # Ids past the mask's are past every claim's, and have no links: the newest claims were
        # deleted since these links were grouped.
        held = np.diff(self.starts)[: len(unchanged)]
        changed = np.flatnonzero(~unchanged)
        kept = np.delete(self.values, self._links_of(changed[changed < len(held)]))
        counts = np.zeros(len(unchanged), dtype=np.int32)
        counts[: len(held)] = held
        counts[changed] = 0
        by_claim = np.argsort(claim_ids, kind="stable")
        claim_ids, values = claim_ids[by_claim], values[by_claim]
        np.add.at(counts, claim_ids, 1)
        starts = _starts(counts)
        # Each new link goes where its claim's links start, less the new links of the claims
        # before it: where they start among the links kept.
        at = starts[claim_ids] - np.searchsorted(claim_ids, claim_ids)
        return LinksByClaim(starts, np.insert(kept, at, values))

    def _links_of(self, claim_ids):
        """Positions of the links of the claims (ids) in `values`: each claim's first link, then
        the next ones along its run."""
        starts, stops = self.starts[claim_ids], self.starts[claim_ids + 1]
        lengths = stops - starts
        first_of_each = np.cumsum(lengths) - lengths
        return np.repeat(starts - first_of_each, lengths) + np.arange(lengths.sum())

    def count(self, claim_ids):
        """(value ids, claims) of each value linked to the claims, by value id."""
        counts = np.bincount(self.values[self._links_of(claim_ids)])
        values = np.flatnonzero(counts)
        return values, counts[values]


def _starts(counts):
    """Where each run starts, and one past the last: offsets of runs of `counts` links."""
    starts = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=starts[1:])
    return starts


def relations_of(claims, links):
    """{facet: Relation} of rows of claims and links as `_read` gives them."""
    claim_id_count = int(claims[:, 0].max(initial=0)) + 1
    return {
        name: Relation.of(links[links[:, 0] == facet], claim_id_count)
        for facet, name in enumerate(RELATIONS)
    }


def _newest_keys(claims):
    """Sort keys of claim rows in the "newest" order: date descending, undated last, then id
    descending; one int64 each, so that rows can be kept in order as they change."""
    ids, days = claims[:, 0], claims[:, 3]
    return np.where(days != UNDATED_DAY, -days, UNDATED_DAY) * 2**32 + (2**31 - 1 - ids)


def _in_order(keys, rows):
    order = np.argsort(keys)
    return keys[order], rows[order]


def _merged(keys, rows, kept, new_keys, new_rows):
    """The sorted `keys` and their `rows` that are `kept`, with the new ones put in order."""
    keys, rows = keys[kept], rows[kept]
    new_keys, new_rows = _in_order(new_keys, new_rows)
    at = np.searchsorted(keys, new_keys)
    return np.insert(keys, at, new_keys), np.insert(rows, at, new_rows, axis=0)


class FacetIndex:
    def __init__(self, read_in, newest, relations):
        """`read_in`: the snapshot read; `newest`: (keys, claim rows) in the newest order, rows
        of (id, status, source id, days since 1970, month is known); `relations`: {facet:
        Relation}."""
        self.read_in = read_in
        self.newest = newest
        self.relations = relations
        self._counts_of_everything = {}
        ids, status, source, days, month_known = newest[1].T
        self.ids = ids
        self.size = len(ids)
        self.position_of = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int32)
        self.position_of[ids] = np.arange(self.size, dtype=np.int32)
        self.status = status.astype(np.int8)
        self.source = source.astype(np.int32)
        self._set_dates(days, month_known.astype(bool))
        for relation in relations.values():
            relation.place(self.position_of)

    @classmethod
    def build(cls, cursor, read_in):
        claims, links = _read(cursor)
        relations = relations_of(claims, links)
        newest = _in_order(_newest_keys(claims), claims)
        return cls(read_in, newest, relations)

    def updated(self, cursor, read_in, changed):
        """A new index: this one with the `changed` claims (ids) read again, kept in order
        without sorting a million rows again."""
        claims, links = _read(cursor, sorted(changed))
        unchanged = np.ones(max(len(self.position_of), max(changed) + 1), dtype=bool)
        unchanged[list(changed)] = False
        newest = _merged(*self.newest, unchanged[self.ids], _newest_keys(claims), claims)
        relations = {
            name: relation.updated(unchanged, links[links[:, 0] == facet])
            for facet, (name, relation) in enumerate(self.relations.items())
        }
        return FacetIndex(read_in, newest, relations)

    def _set_dates(self, days, month_known):
        self.undated = days == UNDATED_DAY
        dates = np.where(self.undated, 0, days).astype("datetime64[D]")
        year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        self.year = np.where(self.undated, 0, year).astype(np.int16)
        self.month = np.where(month_known & ~self.undated, month, 0).astype(np.int8)
        # Positions are in date order, undated last: the claims of each calendar month are one
        # run of positions, so that counting periods is a sum over runs.
        self.dated = self.size - int(np.count_nonzero(self.undated))
        calendar_months = (year * 12 + month)[: self.dated]
        self.month_starts = np.flatnonzero(np.diff(calendar_months, prepend=-1))
        self.month_of_run = list(
            zip(year[self.month_starts].tolist(), month[self.month_starts].tolist(), strict=True)
        )
        self.month_known = month_known[: self.dated]

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
        # kind="sort" compares with each of the few statuses: numpy's choice for small ints, a
        # lookup table, takes 30 times longer over int8 (2 ms at 200k claims).
        statuses = [STATUSES.index(status) for status in value_ids]
        return np.isin(self.status, statuses, kind="sort")

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
        """(value ids, claims), arrays, of the facet's values found within the claims, by value
        id; statuses by name."""
        return self._counted_once_over_everything(facet, within, self._count)

    def _count(self, facet, within):
        if facet in self.relations:
            values, counts = self.relations[facet].count(within, self.ids)
        elif facet == "status":
            # A count of each of a few statuses: seven times faster than a bincount of those
            # within a large share of the claims.
            each = range(len(STATUSES))
            counts = np.array([np.count_nonzero(within & (self.status == s)) for s in each])
            values = np.flatnonzero(counts)
            counts = counts[values]
        else:
            # Within many claims, every claim's source weighed by whether it is within: three
            # times faster than a bincount of the sources selected.
            counts = (
                np.bincount(self.source[within])
                if _few(within)
                else np.bincount(self.source, weights=within).astype(np.int64)
            )
            counts[:1] = 0  # source id 0: the claim has none
            values = np.flatnonzero(counts)
            counts = counts[values]
        if facet == "status":
            return np.array(STATUSES)[values], counts
        return values, counts

    def count_periods(self, within):
        """({year: claims}, {(year, month): claims}, undated claims) within the claims."""
        return self._counted_once_over_everything("period", within, self._count_periods)

    def _count_periods(self, _, within):
        dated = within[: self.dated]
        in_month = _sums(dated, self.month_starts).tolist()
        known = _sums(dated & self.month_known, self.month_starts).tolist()
        years, months = {}, {}
        for (year, month), claims, claims_known in zip(
            self.month_of_run, in_month, known, strict=True
        ):
            if claims:
                years[year] = years.get(year, 0) + claims
            if claims_known:
                months[year, month] = claims_known
        return years, months, int(np.count_nonzero(within[self.dated :]))

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
        """Ids of the matching claims, "newest" or "oldest" first (OrderedIds)."""
        return OrderedIds(self, matching, reverse=sort == "oldest")

    def ids_by_relevance(self, ids, ranks):
        """The ids in the explorer's relevance order (claims.filters.ORDERINGS): by rank,
        highest first, then in the "newest" order, which is the order of positions. The ranks
        are PostgreSQL's float4 values, compared as PostgreSQL compares them."""
        ids = np.asarray(ids, dtype=np.int64)
        return ids[np.lexsort((self.position_of[ids], -np.asarray(ranks, dtype=np.float32)))]

    def ids_among(self, ids, matching):
        """Those of `ids` that match, in their order."""
        ids = np.asarray(ids, dtype=np.int64)
        return ids[matching[self.position_of[ids]]]


class OrderedIds:
    """The ids of the claims a mask matches in the "newest" order, or reversed, the "oldest"
    (date ascending, undated last, then id ascending: each of the dated and the undated runs of
    positions reversed), read a slice at a time. A page of a million claims reads its 50 ids
    where listing all of them took 3 ms, and 8 in the oldest order (issue #25); an export
    iterates over all of them."""

    def __init__(self, index, matching, *, reverse):
        self.ids, self.reverse, dated = index.ids, reverse, index.dated
        self.runs = [_Trues(matching[:dated], 0), _Trues(matching[dated:], dated)]
        self.length = sum(run.count for run in self.runs)

    def __len__(self):
        return self.length

    def __getitem__(self, page):
        """The ids of a slice (no step), as an array."""
        start, stop, _ = page.indices(self.length)
        positions = [np.zeros(0, dtype=np.int64)]
        for run in self.runs:
            first, last = max(start, 0), min(stop, run.count)
            if first < last:
                positions.append(
                    run.positions(run.count - last, run.count - first)[::-1]
                    if self.reverse
                    else run.positions(first, last)
                )
            start, stop = start - run.count, stop - run.count
        return self.ids[np.concatenate(positions)]

    def __iter__(self):
        for start in range(0, self.length, TRUES_CHUNK):
            yield from self[start : start + TRUES_CHUNK].tolist()


class _Trues:
    """The positions of a mask's Trues (plus `offset`), found by rank from how many each chunk of
    the mask holds, without listing them all."""

    def __init__(self, mask, offset):
        self.mask, self.offset = mask, offset
        chunk_starts = np.arange(0, len(mask), TRUES_CHUNK)
        held = (
            np.add.reduceat(mask.view(np.uint8), chunk_starts, dtype=np.int64)
            if len(mask)
            else np.zeros(0, dtype=np.int64)
        )
        self.before = np.cumsum(held) - held  # the Trues before each chunk
        self.count = int(held.sum())

    def positions(self, first, last):
        """The positions of the first-th to the (last - 1)-th True, counted from 0."""
        # The chunk that holds the first-th True is the last one with no more Trues before it.
        chunk = int(np.searchsorted(self.before, first, side="right")) - 1
        end = int(np.searchsorted(self.before, last, side="left")) * TRUES_CHUNK
        found = np.flatnonzero(self.mask[chunk * TRUES_CHUNK : end]) + chunk * TRUES_CHUNK
        skip = first - int(self.before[chunk])
        return found[skip : skip + last - first] + self.offset


class ReadIn:
    """The snapshot an index was read in, when, and the claims it holds uncommitted changes of
    (its own transaction's: a test's, or a view's inside an editor's transaction)."""

    def __init__(self, snapshot, taken_at, uncommitted):
        self.snapshot, self.taken_at, self.uncommitted = snapshot, taken_at, set(uncommitted)


# One index per database: the primary and replicas lagging behind it are at different versions.
_built = {}
_building = threading.Lock()


def current_index(using):
    """The index of what the current transaction sees on database `using`: the process's index
    brought up to date, or built (some seconds at 1M claims) when there is none, when it is
    older than the log, or when some change can't say which claims it touched (a TRUNCATE).

    Its query must be the first of a REPEATABLE READ transaction (`snapshot`), or run in
    autocommit: snapshots are then taken under the lock, in order, and the index only moves
    forward."""
    with _building, connections[using].cursor() as cursor:
        index = _built.get(using)
        known = index.read_in.snapshot if index else None
        cursor.execute(CHANGES_SQL, {"known": known})
        snapshot, now, changed, uncommitted = cursor.fetchone()
        read_in = ReadIn(snapshot, now, uncommitted)
        if index is not None:
            # This transaction's own changes, made before or after the index was read: once a
            # later transaction has committed, a snapshot counts this one among the finished,
            # and the log's "not seen by the index's snapshot" can't tell them apart. Those the
            # index holds uncommitted are read again too, in case that transaction rolled back.
            changed = set(changed) | set(uncommitted) | index.read_in.uncommitted
        if index is None or None in changed or index.read_in.taken_at < now - OLDEST_FOLLOWED:
            index = FacetIndex.build(cursor, read_in)
        elif changed:
            index = index.updated(cursor, read_in, changed)
        else:
            index.read_in = read_in
        _built[using] = index
        return index


@contextmanager
def snapshot(using):
    """One REPEATABLE READ transaction on `using`, so that the index, the search and
    the rows are all read as of one moment. Inside a transaction already begun (tests), that one."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using, savepoint=False):
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
