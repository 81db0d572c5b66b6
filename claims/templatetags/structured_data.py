"""schema.org JSON-LD for claim pages, so search engines and fact-check tools can read them."""

import json

from django import template
from django.utils.safestring import mark_safe

from claims.models import Claim
from core.dates import DatePrecision
from core.wikidata import wikidata_url

register = template.Library()
# As json_script does: no "</script>" or "<!--" can appear inside the block.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def claim_json_ld(context, claim):
    """A <script type="application/ld+json"> block: a data block, which browsers never run, so
    the Content-Security-Policy has no say; its text is escaped as json_script escapes."""
    data = claim_structured_data(claim, context["request"].build_absolute_uri)
    text = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def claim_structured_data(claim, absolute):
    statement = {
        "@type": "Claim",
        "text": claim.statement,
        "url": absolute(claim.get_absolute_url()),
        "about": [
            {"@type": "Thing", "name": topic.name, **_same_as(topic)}
            for topic in claim.topics.all()
        ],
        # Where the claim appeared: the reporting article at its own URL, where the archive
        # knows it, and the archive's copy of it.
        "appearance": [
            {
                "@type": "NewsArticle",
                "headline": article.display_title,
                **({"url": article.url} if article.url else {}),
                "archivedAt": absolute(article.get_absolute_url()),
                **_published(article.published_date, article.published_date_precision),
                **(
                    {
                        "publisher": {
                            "@type": "Organization",
                            "name": article.outlet.name,
                            **_same_as(article.outlet),
                        }
                    }
                    if article.outlet
                    else {}
                ),
            }
            for article in claim.articles.all()
        ],
        **_date("dateCreated", claim.claimed_date, claim.claimed_date_precision),
    }
    authors = [
        _person(actor.person, absolute)
        for actor in claim.claim_actors.all()
        if actor.role in (actor.Role.CLAIMANT, actor.Role.PROPOSER)
    ]
    if authors:  # no one recorded as making it: no author, rather than an empty one
        statement["author"] = authors
    if claim.source:
        statement["firstAppearance"] = {
            "@type": "CreativeWork",
            "name": str(claim.source),
            "publisher": {"@type": "Organization", "name": claim.source.publisher},
            **_published(claim.source.date, claim.source.date_precision),
            **({"url": claim.source.url} if claim.source.url else {}),
        }
    if claim.status == Claim.Status.REPORTED:
        return {"@context": "https://schema.org", **statement}
    # A verdict makes it a review of the claim.
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute(claim.get_absolute_url()),
        "claimReviewed": claim.statement,
        "itemReviewed": statement,
        "reviewRating": {"@type": "Rating", "alternateName": claim.get_status_display()},
        "author": {"@type": "Organization", "name": "newsarchive"},
        "datePublished": claim.updated_at.date().isoformat(),
    }


def _person(person, absolute):
    return {
        "@type": "Person",
        "name": person.name,
        "url": absolute(person.get_absolute_url()),
        **_same_as(person),
    }


def _same_as(record):
    """The Wikidata entity a person, outlet or topic is, where an editor gave its id."""
    return {"sameAs": wikidata_url(record.wikidata_id)} if record.wikidata_id else {}


def _published(date, precision):
    return _date("datePublished", date, precision)


def _date(key, date, precision):
    """An ISO 8601 date only as precise as it is known: 2024-07-02, 2024-07 or 2024."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return {}
    length = {DatePrecision.DAY: 10, DatePrecision.MONTH: 7, DatePrecision.YEAR: 4}[precision]
    return {key: date.isoformat()[:length]}
