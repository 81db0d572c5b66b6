"""Factories for test data: each makes a valid row with as little as a test cares about.

The make_* functions are the short form most tests use; the factory classes take any field.
"""

import factory
from factory.django import DjangoModelFactory

from articles.models import Article, Capture, Outlet, Person, Quote
from claims.models import Claim, ClaimActor, Source, Topic

BODY = (
    "Former President Donald Trump is mulling a deal, according to a report by Politico.\n\n"
    "“I would expect a very quick deal to end the conflict,” said Kevin Roberts."
)


class OutletFactory(DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"Outlet {n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")


class ArticleFactory(DjangoModelFactory):
    """An article with one plain-text capture: `raw_capture` its bytes (as text), `body` the text
    extracted from them, `retrieved_at` when it was made (unknown by default)."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = BODY
    raw_capture = factory.LazyAttributeSequence(lambda a, n: f"Site header {n}\n{a.body}\nFooter")

    @classmethod
    def _create(cls, model_class, *args, raw_capture, retrieved_at=None, **fields):
        article = super()._create(model_class, *args, **fields)
        capture = Capture.objects.create(
            article=article,
            retrieved_at=retrieved_at,
            origin=Capture.Origin.PASTE,
            raw=raw_capture.encode(),
            content_type="text/plain",
            text=article.body,
            extractor="tests.factories",
        )
        article.body = capture.text  # as the archive reads it back: normalised
        return article


class QuoteFactory(DjangoModelFactory):
    """A quote of `text` at its first place in the article, unless `start_offset` says another."""

    class Meta:
        model = Quote

    article = factory.SubFactory(ArticleFactory)
    text = "I would expect a very quick deal to end the conflict"
    start_offset = factory.LazyAttribute(lambda q: q.article.body.index(q.text))  # latest capture
    end_offset = factory.LazyAttribute(lambda q: q.start_offset + len(q.text))
    speaker = None
    speaker_label = factory.LazyAttribute(lambda q: "" if q.speaker else "an anonymous source")


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    publisher = "Politico"


class ClaimFactory(DjangoModelFactory):
    """A claim; `actors` are claimants, or (person, role) pairs for other roles."""

    class Meta:
        model = Claim
        skip_postgeneration_save = True

    statement = factory.Sequence(lambda n: f"Claim number {n} about NATO.")

    @factory.post_generation
    def actors(claim, create, people, **kwargs):
        for actor in people or ():
            person, role = actor if isinstance(actor, tuple) else (actor, ClaimActor.Role.CLAIMANT)
            ClaimActor.objects.create(claim=claim, person=person, role=role)

    @factory.post_generation
    def topics(claim, create, topics, **kwargs):
        claim.topics.set(topics or ())

    @factory.post_generation
    def articles(claim, create, articles, **kwargs):
        claim.articles.set(articles or ())

    @factory.post_generation
    def evidence(claim, create, quotes, **kwargs):
        claim.evidence.set(quotes or ())


def make_outlet(**fields):
    return OutletFactory(**fields)


def make_person(**fields):
    return PersonFactory(**fields)


def make_article(**fields):
    return ArticleFactory(**fields)


def make_quote(article, text, **fields):
    """A quote of `text`, which must occur in the article body; its offsets are found."""
    return QuoteFactory(article=article, text=text, **fields)


def make_topic(**fields):
    return TopicFactory(**fields)


def make_source(**fields):
    return SourceFactory(**fields)


def make_claim(**fields):
    return ClaimFactory(**fields)
