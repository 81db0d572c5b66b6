"""The reconciliation service's parameters, checked before any query: a batch of queries in
the JSON the specification defines (https://reconciliation-api.github.io/specs/0.2/), and the
suggest and preview services' few words."""

import json

from django import forms

from reconciliation.matching import TYPES, TYPES_BY_ID, Query, parse_entity_id

DEFAULT_LIMIT = 5
MOST_CANDIDATES = 25
# OpenRefine sends ten queries a batch by default; this leaves room and bounds the work.
MOST_QUERIES = 50
LONGEST_KEY = 100
LONGEST_TEXT = 500
SUGGESTIONS_PER_PAGE = 10
FARTHEST_CURSOR = 1000


class QueriesForm(forms.Form):
    """A batch of queries: a JSON object of {key: {"query": text, "type": ids, "limit": n,
    "properties": […], "type_strict": …}}. Properties are accepted and not used (the manifest
    offers none); a type the service doesn't have is an error, as is anything else malformed."""

    queries = forms.CharField(strip=False)

    def clean_queries(self):
        try:
            batch = json.loads(self.cleaned_data["queries"])
        except ValueError:
            raise forms.ValidationError("queries is not JSON.") from None
        if not isinstance(batch, dict) or not batch:
            raise forms.ValidationError("queries is a JSON object of one or more queries.")
        if len(batch) > MOST_QUERIES:
            raise forms.ValidationError(f"A batch holds at most {MOST_QUERIES} queries.")
        return {_key(key): _query(key, query) for key, query in batch.items()}


def _key(key):
    if len(key) > LONGEST_KEY:
        raise forms.ValidationError(f"A query's key has at most {LONGEST_KEY} characters.")
    return key


def _query(key, query):
    if not isinstance(query, dict):
        raise forms.ValidationError(f"Query {key!r} is not a JSON object.")
    text = query.get("query", "")
    # A NUL character, which JSON can escape, is no text PostgreSQL can compare.
    if not isinstance(text, str) or len(text) > LONGEST_TEXT or "\x00" in text:
        raise forms.ValidationError(
            f"Query {key!r}: query is text of at most {LONGEST_TEXT} characters."
        )
    if not isinstance(query.get("properties", []), list):
        raise forms.ValidationError(f"Query {key!r}: properties is a list.")
    return Query(text=text, types=_types(key, query.get("type")), limit=_limit(key, query))


def _types(key, given):
    if given is None:
        return TYPES
    ids = [given] if isinstance(given, str) else given
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise forms.ValidationError(f"Query {key!r}: type is a type's id or a list of them.")
    unknown = [i for i in ids if i not in TYPES_BY_ID]
    if unknown:
        names = ", ".join(TYPES_BY_ID)
        raise forms.ValidationError(
            f"Query {key!r}: no type {unknown[0]!r} here; the types are {names}."
        )
    return [entity_type for entity_type in TYPES if entity_type.id in ids]


def _limit(key, query):
    limit = query.get("limit", DEFAULT_LIMIT)
    # JSON's numbers: 3 and 3.0 are the same; true is not a number.
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MOST_CANDIDATES:
        raise forms.ValidationError(
            f"Query {key!r}: limit is a whole number from 1 to {MOST_CANDIDATES}."
        )
    return limit


class SuggestForm(forms.Form):
    """What a person has typed so far, and where the page of suggestions starts."""

    prefix = forms.CharField(max_length=200)
    cursor = forms.IntegerField(min_value=0, max_value=FARTHEST_CURSOR, required=False)
    type = forms.ChoiceField(
        choices=[(entity_type.id, entity_type.name) for entity_type in TYPES], required=False
    )


class PreviewForm(forms.Form):
    """An entity's id, as the service gives them: "people/12"."""

    id = forms.CharField(max_length=30)

    def clean_id(self):
        parsed = parse_entity_id(self.cleaned_data["id"])
        if parsed is None:
            raise forms.ValidationError(
                'An id is a kind and a number, as the service gives them: "people/12".'
            )
        return parsed
