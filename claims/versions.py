"""Claims and sources as they stood at each recorded version, with their relations as recorded.

A claim's own history records its fields and its topics, reporting articles and evidence; its
actors, appearances and notes are rows of their own, with histories of their own, read as they
stood when the claim's version was current (core.versions.as_of). Related objects are read in one
query per kind for all versions, so a version page and a change log cost the same for any claim.
"""

from articles.models import Article, Person, Quote
from claims.models import Annotation, Appearance, Claim, ClaimActor, Source, Topic
from core.versions import RecordVersions, as_of, instance_of, read_history, with_relations


def source_versions(pk):
    """A source's versions with the quotes taken from it as each recorded them (one query for
    the quotes of all versions)."""
    history = read_history(Source, pk)
    recorded = {pk for version in history.versions for pk in version.relations["quotes"]}
    quotes = Quote.objects.select_related("speaker").in_bulk(recorded)
    states = {
        version.number: with_relations(
            version.instance,
            quotes=[quotes[pk] for pk in version.relations["quotes"] if pk in quotes],
        )
        for version in history.versions
    }
    return RecordVersions(history, states)


def claim_versions(pk):
    history = read_history(Claim, pk)
    versions = history.versions

    def recorded(queryset, name):
        """Every object any version relates to, in the model's order."""
        return list(queryset.filter(pk__in={pk for v in versions for pk in v.relations[name]}))

    topics = recorded(Topic.objects.all(), "topics")
    articles = recorded(Article.objects.for_export(), "articles")
    evidence = recorded(
        Quote.objects.select_related("speaker", "article").prefetch_related("quoted_from"),
        "evidence",
    )
    actor_records = list(ClaimActor.history.filter(claim_id=pk))
    people = Person.objects.in_bulk({record.person_id for record in actor_records})
    note_records = list(Annotation.history.filter(claim_id=pk))
    appearance_records = list(Appearance.history.filter(claim_id=pk))
    # The claim's original sources and those its reporting articles cite, in one query.
    sources = Source.objects.in_bulk(
        ({v.record.source_id for v in versions} | {r.source_id for r in appearance_records})
        - {None}
    )

    def source(pk):
        if pk is None:
            return None
        return sources.get(pk) or Source(pk=pk, publisher="a source since deleted from the archive")

    states = {}
    for version in versions:
        claim, ids = version.instance, version.relations
        claim.source = source(claim.source_id)
        actors = []
        for record in as_of(actor_records, version):
            if record.person_id in people:  # a person deleted since is left out
                actor = instance_of(record)
                actor.person = people[record.person_id]
                actors.append(actor)
        reporting = [article for article in articles if article.pk in ids["articles"]]
        appearances = []
        for record in as_of(appearance_records, version):
            article = next((a for a in reporting if a.pk == record.article_id), None)
            if article:  # words of an article no longer reporting the claim are not shown
                appearance = instance_of(record)
                appearance.article = article
                appearance.source = source(appearance.source_id)
                appearances.append(appearance)
        with_relations(
            claim,
            claim_actors=sorted(actors, key=lambda actor: (actor.role, actor.person.name)),
            topics=[topic for topic in topics if topic.pk in ids["topics"]],
            articles=reporting,
            evidence=[quote for quote in evidence if quote.pk in ids["evidence"]],
            appearances=sorted(
                appearances, key=lambda appearance: reporting.index(appearance.article)
            ),
        )
        claim.public_annotations = [
            instance_of(record)
            for record in as_of(note_records, version)
            if record.visibility == Annotation.Visibility.PUBLIC
        ]
        states[version.number] = claim
    return RecordVersions(history, states)
