"""Small builders for test data: each makes a valid row with as little as a test cares about."""

import itertools

from articles.dates import DatePrecision
from articles.models import Article, Outlet, Person, Quote
from claims.models import Claim, ClaimActor, Source, Topic

_numbers = itertools.count(1)

BODY = (
    "Former President Donald Trump is mulling a deal, according to a report by Politico.\n\n"
    "“I would expect a very quick deal to end the conflict,” said Kevin Roberts."
)


def make_outlet(**fields):
    fields.setdefault("name", f"Outlet {next(_numbers)}")
    return Outlet.objects.create(**fields)


def make_person(**fields):
    fields.setdefault("name", f"Person {next(_numbers)}")
    return Person.objects.create(**fields)


def make_article(**fields):
    number = next(_numbers)
    fields.setdefault("title", f"Article {number}")
    fields.setdefault("body", BODY)
    fields.setdefault("raw_capture", f"Site header {number}\n{fields['body']}\nCopyright")
    return Article.objects.create(**fields)


def make_quote(article, text, **fields):
    """A quote of `text`, which must occur in the article body; its offsets are found."""
    start = article.body.index(text)
    if "speaker" not in fields:
        fields.setdefault("speaker_label", "an anonymous source")
    return Quote.objects.create(
        article=article, text=text, start_offset=start, end_offset=start + len(text), **fields
    )


def make_topic(**fields):
    fields.setdefault("name", f"Topic {next(_numbers)}")
    return Topic.objects.create(**fields)


def make_source(**fields):
    fields.setdefault("publisher", "Politico")
    fields.setdefault("date_precision", DatePrecision.UNKNOWN)
    return Source.objects.create(**fields)


def make_claim(*, actors=(), topics=(), articles=(), evidence=(), **fields):
    fields.setdefault("statement", f"Claim number {next(_numbers)} about NATO.")
    claim = Claim.objects.create(**fields)
    for person in actors:
        ClaimActor.objects.create(claim=claim, person=person, role=ClaimActor.Role.CLAIMANT)
    claim.topics.set(topics)
    claim.articles.set(articles)
    claim.evidence.set(evidence)
    return claim
