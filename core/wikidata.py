"""Wikidata ids that editors give people, outlets and topics: shared identifiers that other
archives' tools read (JSON-LD sameAs, exports, reconciliation results). They are checked for
their form only; the archive never fetches anything from Wikidata."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

WIKIDATA_ID_PATTERN = r"^Q[1-9][0-9]*\Z"
WIKIDATA_ENTITY = "https://www.wikidata.org/entity/"

validate_wikidata_id = RegexValidator(
    WIKIDATA_ID_PATTERN,
    "A Wikidata id is Q followed by digits, e.g. Q22686 (no link, no spaces).",
)


def wikidata_id_field():
    return models.CharField(
        "Wikidata id",
        max_length=20,
        blank=True,
        validators=[validate_wikidata_id],
        help_text="e.g. Q22686; optional, checked for its form, never fetched.",
    )


def wikidata_constraints(model_name):
    """The database's own checks: one record per id, and the validator's form (PostgreSQL's
    regular expressions have no \\Z; their $ is the end of the text)."""
    return [
        models.UniqueConstraint(
            fields=["wikidata_id"],
            condition=~Q(wikidata_id=""),
            name=f"{model_name}_wikidata_unique",
        ),
        models.CheckConstraint(
            condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
            name=f"{model_name}_wikidata_id_format",
        ),
    ]


def wikidata_url(wikidata_id):
    """The entity's URI (https://www.wikidata.org/entity/Q22686), or None without an id."""
    return f"{WIKIDATA_ENTITY}{wikidata_id}" if wikidata_id else None
