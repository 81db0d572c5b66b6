"""Full-text search configuration shared by every searchable model.

The vectors are database-generated columns, so their expression must be immutable: that is why
each names its text-search configuration explicitly. `english_unaccent` is English stemming
after removing accents (created in articles' first migration), so "Zelenskyy" and "Zelénskyy"
are the same word.
"""

import re

from django import forms
from django.contrib.postgres.search import SearchVector

SEARCH_CONFIG = "english_unaccent"


def weighted_vector(*weighted_fields):
    """A search vector over (field, weight) pairs, weights "A" (most important) to "D"."""
    vectors = [
        SearchVector(field, weight=weight, config=SEARCH_CONFIG)
        for field, weight in weighted_fields
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def field_vector(field):
    """The search vector of one field alone, unweighted: the expression of an index on it, and
    of the searches that read that index (the two must be the same SQL)."""
    return SearchVector(field, config=SEARCH_CONFIG)


# Search text, as typed: bounded, and rewritten so that PostgreSQL's websearch_to_tsquery always
# accepts it. PostgreSQL fails on some text within these bounds: 33 "-" in a row, each a NOT
# waiting for a word, give "tsquery stack too small". So the text is rebuilt from what a search
# can use: words, "quoted phrases", -exclusions and OR between words; everything else (operators
# with nothing to act on, punctuation) is left out, as PostgreSQL leaves it out of the query.
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 32  # also bounds the NOTs in a row, which PostgreSQL stacks 32 deep
# Letters and digits, joined by single hyphens, apostrophes, dots, @ or / ("far-right",
# "O'Brien", "U.S", "nato.int"): inside a word, no "-" can start a NOT.
SEARCH_WORD = r"[^\W_]+(?:[-'’.@/_][^\W_]+)*"
SEARCH_TERM = re.compile(rf'(?P<phrase>-?"[^"]*"?)|(?P<word>-?{SEARCH_WORD})')
PHRASE_WORD = re.compile(SEARCH_WORD)


def search_terms(text):
    """The terms of a search, in order: "a phrase", -"a phrase", word, -word or OR."""
    terms = []
    for match in SEARCH_TERM.finditer(text[:MAX_QUERY_LENGTH]):
        if match["word"]:
            terms.append("OR" if match["word"].lower() == "or" else match["word"])
            continue
        negated, _, inside = match["phrase"].partition('"')
        words = PHRASE_WORD.findall(inside)
        if words:
            terms.append(f'{negated}"{" ".join(words)}"')
    return terms


def count_words(terms):
    return sum(len(PHRASE_WORD.findall(term)) for term in terms if term != "OR")


def normalise_search_text(text):
    """The text as websearch syntax that PostgreSQL always accepts: its first MAX_QUERY_WORDS
    words, phrases and exclusions, with OR only between two terms; "" when nothing is left."""
    kept = []
    for term in search_terms(text):
        if term == "OR":
            if kept and kept[-1] != "OR":
                kept.append(term)
        elif count_words([*kept, term]) <= MAX_QUERY_WORDS:
            kept.append(term)
    while kept and kept[-1] == "OR":
        kept.pop()
    return " ".join(kept)


class SearchTextField(forms.CharField):
    """Search text as a parameter: at most MAX_QUERY_LENGTH characters and MAX_QUERY_WORDS
    words, or a message saying so; cleaned into its normal form (normalise_search_text)."""

    def __init__(self, **kwargs):
        super().__init__(**{"max_length": MAX_QUERY_LENGTH, "required": False, **kwargs})

    def clean(self, value):
        text = super().clean(value)
        if count_words(search_terms(text)) > MAX_QUERY_WORDS:
            raise forms.ValidationError(
                f"A search may have at most {MAX_QUERY_WORDS} words.", code="too_many_words"
            )
        return normalise_search_text(text)
