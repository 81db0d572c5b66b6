import datetime
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from articles.models import (
    AnchoredText,
    Article,
    Capture,
    Person,
    Quote,
    display_title,
    offsets_span_text,
)
from core.citations import (
    ARCHIVE_NAME,
    Citable,
    CitedByName,
    date_parts,
    literal_name,
    person_name,
)
from core.dates import (
    DatePrecision,
    format_partial_date,
    latest_possible_day,
    partial_date_constraint,
)
from core.models import VersionedModel
from core.search import weighted_vector
from core.slugs import NamedSlugMixin, decorative_slug
from core.text import NormalisedTextField
from core.versions import with_current_version_recorded
from core.wikidata import wikidata_constraints, wikidata_id_field


class TopicQuerySet(models.QuerySet):
    def for_detail_page(self):
        """With the date its current version was recorded, which its Cite box cites."""
        return with_current_version_recorded(self)

    def matching_any(self, phrases):
        """Topics whose name or a synonym is one of the phrases (see search_key)."""
        return self.filter(
            pk__in=RawSQL(
                "SELECT id FROM claims_topic WHERE EXISTS ("
                " SELECT 1 FROM unnest(array_append(synonyms, name)) term"
                " WHERE search_key(term) = ANY(SELECT search_key(p) FROM unnest(%s::text[]) p))",
                [list(phrases)],
            )
        )


class Topic(CitedByName, NamedSlugMixin, VersionedModel):
    url_name = "claims:topic"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    description = NormalisedTextField(blank=True)
    synonyms = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text='Other words for the topic that search should use, e.g. "collective defense".',
    )
    wikidata_id = wikidata_id_field()

    objects = TopicQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = wikidata_constraints("topic")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.url_of(self.pk, self.slug)

    @staticmethod
    def url_of(pk, slug):
        """A topic's permalink without its instance (the explorer's rows read plain values)."""
        return reverse("claims:topic", kwargs={"pk": pk, "slug": slug})

    def public_fields(self):
        """What its page shows, by label: what a version page and a change log compare."""
        return {
            "Name": self.name,
            "Description": self.description,
            "Synonyms": self.synonyms,
            "Wikidata": self.wikidata_id,
        }


class SpellingVariantQuerySet(models.QuerySet):
    def matching_any(self, phrases):
        """Groups with a term equal to one of the phrases, ignoring case, accents, punctuation."""
        return self.filter(
            pk__in=RawSQL(
                "SELECT id FROM claims_spellingvariant WHERE EXISTS ("
                " SELECT 1 FROM unnest(terms) term"
                " WHERE search_key(term) = ANY(SELECT search_key(p) FROM unnest(%s::text[]) p))",
                [list(phrases)],
            )
        )


class SpellingVariant(models.Model):
    """Spellings that search treats as one: transliterations such as Kyiv and Kiev.

    People's aliases and topics' synonyms work the same way; this is for the words that are
    neither, mostly place names.
    """

    terms = ArrayField(models.CharField(max_length=200), help_text="e.g. Kyiv, Kiev")
    note = models.CharField(max_length=300, blank=True)

    objects = SpellingVariantQuerySet.as_manager()

    class Meta:
        ordering = ["terms"]
        constraints = [
            models.CheckConstraint(
                condition=Q(terms__len__gte=2), name="spelling_variant_has_two_terms"
            )
        ]

    def __str__(self):
        return " = ".join(self.terms)


def source_label(title, title_is_supplied, publisher, kind, date, date_precision):
    """A source's title (in brackets when the archive supplied it), or its publisher and kind,
    with its date: "Politico report (July 2024)", "[Campaign rally in Philadelphia] (22 June
    2024)"."""
    label = (
        display_title(title, title_is_supplied)
        if title
        else f"{publisher} {Source.Kind(kind).label.lower()}"
    )
    return f"{label} ({format_partial_date(date, date_precision)})"


class SourceQuerySet(models.QuerySet):
    def for_detail_page(self):
        """With the date its current version was recorded (its Cite box's) and whether articles
        took quotes from it: few sources have any, and their page reads them only when they
        have (issue #25)."""
        return with_current_version_recorded(self).annotate(
            has_quotes=RawSQL(
                "EXISTS (SELECT FROM claims_source_quotes WHERE source_id = claims_source.id)",
                (),
                output_field=models.BooleanField(),
            )
        )


class Source(VersionedModel):
    """The original report, interview, rally or post that a claim rests on."""

    url_name = "claims:source"

    class Kind(models.TextChoices):
        REPORT = "report", "News report"
        INTERVIEW = "interview", "Interview"
        RALLY = "rally", "Rally or speech"
        PODCAST = "podcast", "Podcast"
        STATEMENT = "statement", "Statement"
        SOCIAL_POST = "social_post", "Social media post"
        DOCUMENT = "document", "Document"
        OTHER = "other", "Other"

    publisher = models.CharField(max_length=200, help_text="e.g. Politico, Bloomberg.")
    title = models.CharField(max_length=500, blank=True)
    title_is_supplied = models.BooleanField(
        default=False,
        help_text="No capture gives the source's title: the archive wrote this one (shown in "
        "brackets).",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REPORT)
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=7, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    url = models.URLField(max_length=2000, blank=True, help_text="Only when a capture gives it.")
    notes = NormalisedTextField(blank=True)
    quotes = models.ManyToManyField(
        Quote,
        blank=True,
        related_name="quoted_from",
        help_text="Quotes that articles took from this report: each quoted from it, or "
        "attributed differently than in it (see the quote's transmission).",
    )

    history = HistoricalRecords(m2m_fields=[quotes])

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["publisher", "-date"]
        constraints = [partial_date_constraint("date", name="source_date_precision")]

    def __str__(self):
        return source_label(
            self.title,
            self.title_is_supplied,
            self.publisher,
            self.kind,
            self.date,
            self.date_precision,
        )

    def get_absolute_url(self):
        return reverse("claims:source", kwargs={"pk": self.pk})

    @property
    def summary(self):
        """What the source is, in a line: for link previews."""
        return f"{self.get_kind_display()} by {self.publisher} ({self.date_display})"

    def public_fields(self):
        """What its page shows, by label: what a version page and a change log compare."""
        return {
            "Title": display_title(self.title, self.title_is_supplied),
            "Publisher": self.publisher,
            "Kind": self.get_kind_display(),
            "Date": self.date_display,
            "URL": self.url,
            "Notes": self.notes,
            "Quotes taken from it": [str(quote) for quote in self.quotes.all()],
        }

    @staticmethod
    def quotes_not_from_a_report(quotes):
        """Of quotes to link to a source, those whose transmission says they were not taken from
        another report: such a link would contradict the quote."""
        return [quote for quote in quotes if quote.transmission not in Quote.FROM_A_REPORT]

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)

    def citable(self, permalink):
        return Citable(
            f"source-{self.pk}", str(self), [literal_name(self.publisher)], ARCHIVE_NAME,
            date_parts(self.date, self.date_precision), None, permalink,
        )  # fmt: skip


@dataclass
class ProvenanceStep:
    """One step from what was said to where it was reported, for the claim's timeline."""

    date: datetime.date | None  # the latest day the (partial) date may stand for
    date_display: str
    kind: str  # "said", "original source" or "reported"
    label: str
    url: str


class ClaimQuerySet(models.QuerySet):
    def for_detail_page(self):
        # Whether it has public notes: few claims have, and they are read only then
        # (Claim.public_annotations).
        has_public_annotations = RawSQL(
            "EXISTS (SELECT FROM claims_annotation WHERE claim_id = claims_claim.id"
            " AND visibility = %s)",
            (Annotation.Visibility.PUBLIC,),
            output_field=models.BooleanField(),
        )
        claims = self.select_related("source").annotate(
            has_public_annotations=has_public_annotations
        )
        return with_current_version_recorded(claims).prefetch_related(
            models.Prefetch("claim_actors", ClaimActor.objects.select_related("person")),
            "topics",
            models.Prefetch("articles", Article.objects.select_related("outlet")),
            models.Prefetch(
                "evidence",
                Quote.objects.select_related("speaker", "article").prefetch_related("quoted_from"),
            ),
            # One per article, which claims.reporting reads by article: unordered, for their
            # order joins two tables (about 1 ms a page, issue #25).
            models.Prefetch("appearances", Appearance.objects.select_related("source").order_by()),
        )

    def for_lists(self):
        """Short lists (the home page): statement, status, source, topics; not
        the search vector, which no page shows."""
        return self.select_related("source").prefetch_related("topics").defer("search_vector")

    def for_rows(self):
        """The explorer's rows: for_lists' columns, without its topics. What a row shows of a
        claim's topics, people and reporting outlets the explorer reads as plain values
        (claims.explorer._add_row_details, issue #25)."""
        return self.select_related("source").defer("search_vector")

    def for_export(self):
        """Everything an export row, a feed entry or an API row holds, without article texts."""
        return (
            self.defer("search_vector")
            .select_related("source")
            .prefetch_related(
                models.Prefetch("claim_actors", ClaimActor.objects.select_related("person")),
                "topics",
                models.Prefetch("articles", Article.objects.for_export()),
                models.Prefetch("evidence", Quote.objects.select_related("speaker")),
            )
        )


def outlet_names(names):
    """The names of reporting articles' outlets (None: an article without one), each once and
    sorted, then how many articles have none."""
    known = sorted({name for name in names if name is not None})
    unknown = names.count(None)
    if unknown:
        known.append("an unknown outlet" if unknown == 1 else f"{unknown} unknown outlets")
    return known


class Claim(VersionedModel):
    url_name = "claims:claim"

    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        CORROBORATED = "corroborated", "Corroborated"
        DISPUTED = "disputed", "Disputed"
        DENIED = "denied", "Denied"
        RETRACTED = "retracted", "Retracted"

    # The workflow: a reported claim is weighed; a verdict can be revised, a retraction undone.
    STATUS_CHANGES = {
        Status.REPORTED: {Status.CORROBORATED, Status.DISPUTED, Status.DENIED, Status.RETRACTED},
        Status.CORROBORATED: {Status.DISPUTED, Status.RETRACTED},
        Status.DISPUTED: {Status.CORROBORATED, Status.DENIED, Status.RETRACTED},
        Status.DENIED: {Status.DISPUTED, Status.RETRACTED},
        Status.RETRACTED: {Status.REPORTED},
    }

    statement = NormalisedTextField(help_text="What is claimed, in one or two plain sentences.")
    slug = models.SlugField(max_length=80, blank=True, help_text="Decorative; links use the id.")
    actors = models.ManyToManyField(Person, through="ClaimActor", related_name="claims")
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The original report the claim rests on, when known.",
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="reported_claims", help_text="Articles that report it."
    )
    evidence = models.ManyToManyField(
        Quote, blank=True, related_name="claims", help_text="Quotes that evidence it."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED)
    claimed_date = models.DateField(null=True, blank=True)
    claimed_date_precision = models.CharField(
        max_length=7, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    notes = NormalisedTextField("editor notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = models.GeneratedField(
        expression=weighted_vector(("statement", "A"), ("notes", "C")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["search_vector", "updated_at"], m2m_fields=[topics, articles, evidence]
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_not_empty"),
            partial_date_constraint("claimed_date", name="claim_claimed_date_precision"),
        ]
        indexes = [GinIndex(fields=["search_vector"], name="claim_search_vector")]

    def __str__(self):
        return self.statement if len(self.statement) <= 80 else self.statement[:79] + "…"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = decorative_slug(self.statement)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claims:claim", kwargs={"pk": self.pk, "slug": self.slug})

    @cached_property
    def public_annotations(self):
        """Its public notes with their authors, oldest first: none read when the page's query
        found none (for_detail_page's has_public_annotations). A version sets its own."""
        if not getattr(self, "has_public_annotations", True):
            return []
        notes = self.annotations.filter(visibility=Annotation.Visibility.PUBLIC)
        return list(notes.select_related("author"))

    @property
    def summary(self):
        """What the claim says, in a line: for link previews."""
        return f"{self.get_status_display()} claim: {self.statement}"

    def public_fields(self):
        """What its page shows, by label: what a version page and a change log compare. Uses
        the relations of a version (claims.versions)."""
        return {
            "Statement": self.statement,
            "Status": self.get_status_display(),
            "Date made": self.claimed_date_display,
            "Actors": [str(actor) for actor in self.claim_actors.all()],
            "Topics": [topic.name for topic in self.topics.all()],
            "Original source": str(self.source) if self.source else "unknown",
            "Reported by": [str(article) for article in self.articles.all()],
            "Words of the reporting articles": [
                f"{appearance}" + (f" ({appearance.attribution})" if appearance.attribution else "")
                for appearance in self.appearances.all()
            ],
            "Evidence": [str(quote) for quote in self.evidence.all()],
            "Editor notes": self.notes,
            "Public notes": [note.text for note in self.public_annotations],
        }

    def clean(self):
        if self.pk:
            saved = Claim.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if saved and not self.can_change_status(saved, self.status):
                raise ValidationError({"status": self.status_change_refusal(saved, self.status)})

    @classmethod
    def can_change_status(cls, old, new):
        return old == new or new in cls.STATUS_CHANGES[old]

    @classmethod
    def status_change_refusal(cls, old, new):
        labels = dict(cls.Status.choices)
        allowed = ", ".join(sorted(labels[status].lower() for status in cls.STATUS_CHANGES[old]))
        return (
            f"A {labels[old].lower()} claim can't become {labels[new].lower()}; "
            f"it can become {allowed}."
        )

    def provenance(self):
        """Speaker, original report and reporting articles in date order, undated last.
        Uses the prefetched relations of for_detail_page()."""
        steps = [
            ProvenanceStep(
                quote.latest_day_said,
                quote.date_display,
                "said",
                f"{quote.speaker_display}: “{quote.text}”"
                + (f" ({quote.occasion})" if quote.occasion else ""),
                quote.get_absolute_url(),
            )
            for quote in self.evidence.all()
        ]
        if self.source:
            steps.append(
                ProvenanceStep(
                    latest_possible_day(self.source.date, self.source.date_precision),
                    self.source.date_display,
                    "original source",
                    str(self.source),
                    self.source.get_absolute_url(),
                )
            )
        steps += [
            ProvenanceStep(
                latest_possible_day(article.published_date, article.published_date_precision),
                article.published_display,
                "reported",
                f"{article.outlet.name if article.outlet else 'Unknown outlet'}: "
                f"{article.display_title}",
                article.get_absolute_url(),
            )
            for article in self.articles.all()
        ]
        order = {"said": 0, "original source": 1, "reported": 2}
        return sorted(steps, key=lambda step: (step.date is None, step.date, order[step.kind]))

    @property
    def reporting_outlets(self):
        """Names of the outlets whose articles report the claim (uses prefetched articles)."""
        return outlet_names(
            [article.outlet.name if article.outlet else None for article in self.articles.all()]
        )

    @property
    def claimed_date_display(self):
        return format_partial_date(self.claimed_date, self.claimed_date_precision)

    def citable(self, permalink):
        claimants = [
            person_name(actor.person.name)
            for actor in self.claim_actors.all()
            if actor.role == ClaimActor.Role.CLAIMANT
        ]
        return Citable(
            f"claim-{self.pk}",
            self.statement,
            claimants,
            ARCHIVE_NAME,
            date_parts(self.claimed_date, self.claimed_date_precision),
            self.created_at.date(),
            permalink,
        )


class Annotation(models.Model):
    """An editor's note on a claim, apart from the public statement; author and time recorded."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public: shown on the claim's page"
        INTERNAL = "internal", "Internal: editors only"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        # Keep notes when an account goes: deactivate editors rather than delete them.
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="annotations",
        editable=False,
    )
    text = NormalisedTextField()
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="annotation_text_not_empty")
        ]

    def __str__(self):
        kind = "Public" if self.visibility == self.Visibility.PUBLIC else "Internal"
        return f"{kind} note by {self.author} on claim {self.claim_id}"

    @property
    def author_name(self):
        return self.author.get_full_name() or self.author.get_username()


class ClaimActor(models.Model):
    """A person's part in a claim: who made it, proposed the idea, is its subject, or is the
    one it was said to."""

    class Role(models.TextChoices):
        CLAIMANT = "claimant", "Made the claim"
        PROPOSER = "proposer", "Proposed the idea"
        SUBJECT = "subject", "Subject of the claim"
        ADDRESSEE = "addressee", "The one it was said to"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="claim_actors")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="claim_roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "role", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "person", "role"], name="claim_actor_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display().lower()})"


class Appearance(AnchoredText, VersionedModel):
    """Where a reporting article reports a claim: the span of its text, anchored like a quote,
    with how the article attributes it. The claim's `articles` say which articles report it;
    an appearance says where and in which words, one per article."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    article = models.ForeignKey(
        # Like quotes: the anchored words of an article keep it from vanishing.
        Article,
        on_delete=models.PROTECT,
        related_name="claim_appearances",
    )
    text = NormalisedTextField(
        help_text="The article's words that report the claim, exactly as they stand in its text."
    )
    attribution = models.CharField(
        max_length=300,
        blank=True,
        help_text="Whom the article credits, in its own words as they stand in its text, e.g. "
        '"Politico reported", "according to people familiar with the matter". Empty when it '
        "credits nobody.",
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appearances",
        help_text="The original report this article cites for the claim; empty when it names none.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "article__published_date", "article"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="appearance_text_not_empty"),
            offsets_span_text("appearance_offsets_span_text"),
            models.UniqueConstraint(fields=["claim", "article"], name="appearance_one_per_article"),
        ]

    def __str__(self):
        return f"{self.article}: “{self.text}”"

    @property
    def anchored_as(self):
        return f"reporting the claim “{self.claim.statement}”"

    def get_absolute_url(self):
        """The page of the capture these words were read in, scrolled to them and highlighted
        by the browser (a text fragment: first and last words, for a span that may cross
        paragraphs)."""
        words = self.text.split()
        if len(words) > 8:
            target = f"{_fragment_text(words[:4])},{_fragment_text(words[-4:])}"
        else:
            target = _fragment_text(words)
        capture = reverse(
            "articles:capture", kwargs={"pk": self.article_id, "capture_pk": self.capture_id}
        )
        return f"{capture}#:~:text={target}"


def _fragment_text(words):
    # "-", "," and "&" have meanings in a text fragment: encode them too.
    return url_quote(" ".join(words), safe="").replace("-", "%2D")


class AppearanceProposal(VersionedModel):
    """Words of a capture that the archive found reporting a claim it holds (claims.matching), or
    making a claim it does not hold yet (a new-claim candidate: no claim, proposed actors). It
    becomes an Appearance, at the same offsets, only when an editor accepts it, after correcting
    it if needed; versioned and recorded in history like the claims it touches."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed: waiting for an editor"
        ACCEPTED = "accepted", "Accepted: an appearance"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="appearance_proposals"
    )
    capture = models.ForeignKey(
        # The text the offsets count in, as for an appearance.
        Capture,
        on_delete=models.CASCADE,
        related_name="appearance_proposals",
        editable=False,
    )
    claim = models.ForeignKey(
        Claim,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="appearance_proposals",
        help_text="The claim these words report. Empty: a claim the archive does not hold yet; "
        "accepting makes it, with the statement below.",
    )
    text = NormalisedTextField(help_text="The article's words that report the claim.")
    start_offset = models.PositiveIntegerField(help_text="Character offset in the capture's text.")
    end_offset = models.PositiveIntegerField()
    score = models.FloatField(
        null=True, blank=True, editable=False, help_text="How closely the words match the claim."
    )
    attribution = models.CharField(
        max_length=300,
        blank=True,
        help_text="Whom the article credits, in its own words as they stand in its text.",
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The original report the article cites for the claim, when it names one.",
    )
    new_statement = NormalisedTextField(
        blank=True,
        help_text="For a new claim: what is claimed, in one or two plain sentences.",
    )
    actors = models.ManyToManyField(
        Person,
        blank=True,
        related_name="+",
        help_text="For a new claim: the people the sentence names; accepting makes the one it "
        "cites (who said or reported it) the claimant and the others its subjects.",
    )
    claimant = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a new claim: who said or reported it, as the sentence's attribution says.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        # Keep who decided when an account goes: deactivate editors rather than delete them.
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    appearance = models.OneToOneField(
        Appearance,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
        editable=False,
        help_text="The appearance an editor made of it.",
    )

    history = HistoricalRecords(m2m_fields=[actors])

    class Meta:
        ordering = ["article", "start_offset", "claim"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="appearance_proposal_text_not_empty"
            ),
            offsets_span_text("appearance_proposal_offsets_span_text"),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_by__isnull=True)
                | (~Q(status="proposed") & Q(decided_by__isnull=False)),
                name="appearance_proposal_decided_by_editor",
            ),
        ]

    def __str__(self):
        about = f"claim {self.claim_id}" if self.claim_id else "a new claim"
        return f"“{self.text[:80]}” ({about}, {self.status})"

    @property
    def is_new_claim(self):
        return self.claim_id is None


class ClaimVector(models.Model):
    """A claim's statement as the first pass of claims.matching compares it: a short vector,
    made when first needed and made again once the statement it was made of has changed (the
    hash tells, whatever path changed it)."""

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, primary_key=True, related_name="vector"
    )
    model = models.CharField(max_length=100, help_text="The model that made it.")
    statement_md5 = models.CharField(max_length=32, help_text="md5 of its statement.")
    vector = models.BinaryField()

    def __str__(self):
        return f"{self.model} vector of claim {self.claim_id}"
