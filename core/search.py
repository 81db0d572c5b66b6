"""Full-text search configuration shared by every searchable model.

The vectors are database-generated columns, so their expression must be immutable: that is why
each names its text-search configuration explicitly. `english_unaccent` is English stemming
after removing accents (created in articles' first migration), so "Zelenskyy" and "Zelénskyy"
are the same word.
"""

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
