"""Matching names against the archive's people, outlets and topics, for the reconciliation
service (reconciliation.views).

Names are compared in the archive's normal form, search_key (no case, accents or punctuation;
articles/migrations/0003_search_key.py), with every other name a record has: a person's
aliases, a topic's synonyms. A candidate's score is pg_trgm's similarity of the closest of its
names, 0 to 100; 100 and `match` only for a name equal to the query's, and `match` only when no
other record has that name too. A batch of queries costs one SQL query per type, whatever its
size.
"""

import re
from dataclasses import dataclass

from django.db import connections, router
from django.urls import reverse

from articles.models import Outlet, Person
from claims.models import Topic
from claims.search import search_key
from core.wikidata import wikidata_url

# pg_trgm's own default threshold for its % operator.
LEAST_SIMILARITY = 0.3
DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class EntityType:
    """A type of the service: its id and name in the manifest, the records it matches, and how
    their other names are read in SQL."""

    id: str
    name: str
    model: type
    url_prefix: str  # the first segment of the records' pages, and of their ids
    other_names: str  # an SQL array of the record's other names

    @property
    def table(self):
        return self.model._meta.db_table

    def as_json(self):
        return {"id": self.id, "name": self.name}


TYPES = [
    EntityType("person", "Person", Person, "people", "candidate.aliases"),
    EntityType("outlet", "Outlet", Outlet, "outlets", "ARRAY[]::varchar[]"),
    EntityType("topic", "Topic", Topic, "topics", "candidate.synonyms"),
]
TYPES_BY_ID = {entity_type.id: entity_type for entity_type in TYPES}
TYPES_BY_PREFIX = {entity_type.url_prefix: entity_type for entity_type in TYPES}
# An entity's id is the path of its page without the slug: "people/12" (the manifest's view).
ENTITY_ID = re.compile(r"\A(?P<prefix>[a-z]+)/(?P<pk>[1-9][0-9]{0,9})\Z")


def entity_id(entity_type, pk):
    return f"{entity_type.url_prefix}/{pk}"


def parse_entity_id(text):
    """(EntityType, pk) of an entity id, or None if it names no type of the service."""
    found = ENTITY_ID.match(text)
    if not found or found["prefix"] not in TYPES_BY_PREFIX:
        return None
    return TYPES_BY_PREFIX[found["prefix"]], int(found["pk"])


# For each query (its text and limit, numbered), the closest records of one type: those with a
# name at least LEAST_SIMILARITY alike, names equal to the query's first. `exact_count` counts
# the records with an equal name before the limit cuts the list.
MATCHES_SQL = """
    SELECT query.n, candidate.id, candidate.name, candidate.description, candidate.wikidata_id,
           best.similarity, best.exact, best.exact_count
    FROM unnest(%(texts)s::text[], %(limits)s::int[]) WITH ORDINALITY AS query(text, size, n)
    CROSS JOIN LATERAL (SELECT search_key(query.text) AS key) typed
    CROSS JOIN LATERAL (
        SELECT candidate.id,
               max(similarity(search_key(term), typed.key)) AS similarity,
               bool_or(search_key(term) = typed.key) AS exact,
               sum(bool_or(search_key(term) = typed.key)::int) OVER () AS exact_count
        FROM {table} candidate, unnest(array_append({other_names}, candidate.name)) AS term
        WHERE similarity(search_key(term), typed.key) >= %(least)s
        GROUP BY candidate.id
        ORDER BY exact DESC, similarity DESC, candidate.id
        LIMIT query.size
    ) best
    JOIN {table} candidate ON candidate.id = best.id
    ORDER BY query.n, best.exact DESC, best.similarity DESC, candidate.name
"""


@dataclass
class Query:
    """One query of a batch, as reconciliation.forms reads it."""

    text: str
    types: list  # of EntityType: those the query asked for, or every type
    limit: int


@dataclass
class Candidate:
    entity_type: EntityType
    pk: int
    name: str
    description: str
    wikidata_id: str
    similarity: float  # pg_trgm's, of its closest name
    exact: bool  # whether one of its names is the query's

    def ranking(self):
        return (not self.exact, -self.similarity, self.name)

    def as_json(self, *, unique):
        # Below 100 unless a name is the query's own (a similarity of 1 can still differ in
        # the words' order, which search_key keeps).
        score = 100 if self.exact else min(99, round(self.similarity * 100))
        found = {
            "id": entity_id(self.entity_type, self.pk),
            "name": self.name,
            "description": _short(self.description),
            "score": score,
            "match": self.exact and unique,
            "type": [self.entity_type.as_json()],
        }
        if self.wikidata_id:
            found["sameAs"] = wikidata_url(self.wikidata_id)
        return found


def reconcile(queries):
    """{key: {"result": [candidate, …]}} for a batch of queries ({key: Query}), best first.
    One SQL query per type that some query asks for."""
    candidates = {key: [] for key in queries}
    exact_counts = {}  # (key, type id): records of the type with the query's name
    for entity_type in TYPES:
        keys = [key for key, query in queries.items() if entity_type in query.types]
        if not keys:
            continue
        texts = [queries[key].text for key in keys]
        limits = [queries[key].limit for key in keys]
        for n, *found, exact_count in _rows(entity_type, texts, limits):
            key = keys[n - 1]
            exact_counts[key, entity_type.id] = exact_count
            candidates[key].append(Candidate(entity_type, *found))
    results = {}
    for key, query in queries.items():
        best = sorted(candidates[key], key=Candidate.ranking)[: query.limit]
        unique = sum(exact_counts.get((key, t.id), 0) for t in query.types) == 1
        results[key] = {"result": [candidate.as_json(unique=unique) for candidate in best]}
    return results


def _rows(entity_type, texts, limits):
    sql = MATCHES_SQL.format(table=entity_type.table, other_names=entity_type.other_names)
    with _cursor(entity_type) as cursor:
        cursor.execute(sql, {"texts": texts, "limits": limits, "least": LEAST_SIMILARITY})
        return cursor.fetchall()


def _cursor(entity_type):
    """A cursor on the database the model is read from (a replica where there is one)."""
    return connections[router.db_for_read(entity_type.model)].cursor()


def _short(text):
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_LENGTH else text[: DESCRIPTION_LENGTH - 1] + "…"


# Records of one type with a name, or another name, whose words begin with the prefix's; those
# whose name begins with it first.
SUGGEST_SQL = """
    SELECT '{type_id}' AS type, candidate.id, candidate.name, candidate.description,
           bool_or(search_key(term) LIKE typed.key || '%%') AS starts
    FROM typed, {table} candidate, unnest(array_append({other_names}, candidate.name)) AS term
    WHERE search_key(term) LIKE typed.key || '%%'
       OR search_key(term) LIKE '%% ' || typed.key || '%%'
    GROUP BY candidate.id
"""


def suggest_entities(prefix, types, *, start, size):
    """A page of suggestions for what a person is typing, names that begin with it first, then
    alphabetically (one query). search_key leaves letters, digits and spaces: no LIKE wildcard
    comes through, and a prefix without any suggests nothing."""
    if not search_key(prefix):
        return []
    found = " UNION ALL ".join(
        SUGGEST_SQL.format(
            type_id=entity_type.id, table=entity_type.table, other_names=entity_type.other_names
        )
        for entity_type in types
    )
    sql = (
        f"WITH typed AS (SELECT search_key(%(prefix)s) AS key) SELECT * FROM ({found}) found"
        " ORDER BY starts DESC, name, type, id LIMIT %(size)s OFFSET %(start)s"
    )
    with _cursor(types[0]) as cursor:
        cursor.execute(sql, {"prefix": prefix, "size": size, "start": start})
        rows = cursor.fetchall()
    return [
        {
            "id": entity_id(TYPES_BY_ID[type_id], pk),
            "name": name,
            "description": _short(description),
            "notable": [TYPES_BY_ID[type_id].as_json()],
        }
        for type_id, pk, name, description, _starts in rows
    ]


def suggest_types(prefix):
    """The types whose name begins with the prefix (no query: there are three)."""
    typed = prefix.strip().casefold()
    return [
        entity_type.as_json()
        for entity_type in TYPES
        if entity_type.name.casefold().startswith(typed)
    ]


def entity(entity_type, pk):
    """The record an entity id names, or None."""
    return entity_type.model.objects.filter(pk=pk).first()


def entity_page(entity_type, record):
    return reverse(f"claims:{entity_type.id}", kwargs={"pk": record.pk, "slug": record.slug})
