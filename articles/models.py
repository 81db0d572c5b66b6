import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, HashIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import MD5, Length
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, capfirst
from simple_history.models import HistoricalRecords

from core.citations import Citable, CitedByName, byline_names, date_parts, person_name
from core.dates import (
    DatePrecision,
    format_partial_date,
    latest_possible_day,
    partial_date_constraint,
)
from core.models import VersionedModel
from core.search import field_vector, weighted_vector
from core.slugs import NamedSlugMixin, unique_slug
from core.text import NormalisedTextField
from core.versions import with_current_version_recorded
from core.wikidata import wikidata_constraints, wikidata_id_field

SUMMARY_LENGTH = 200


def capture_hash(raw):
    """The SHA-256 of a capture's bytes exactly as retrieved."""
    return hashlib.sha256(raw).hexdigest()


class OutletQuerySet(models.QuerySet):
    def for_detail_page(self):
        """With how many articles it has, which its page says beside the newest: counted in
        its own query rather than in one more (issue #25)."""
        return self.annotate(
            article_count=RawSQL(
                "SELECT count(*) FROM articles_article WHERE outlet_id = articles_outlet.id",
                (),
                output_field=models.IntegerField(),
            )
        )


class Outlet(CitedByName, NamedSlugMixin, models.Model):
    """A publication that reported something the archive holds."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    homepage = models.URLField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    language = models.CharField(max_length=20, blank=True, help_text="BCP 47 tag, e.g. en.")
    description = NormalisedTextField(blank=True, help_text="The outlet's kind and ownership.")
    notes = NormalisedTextField(blank=True)
    wikidata_id = wikidata_id_field()

    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
                name="outlet_country_is_iso_code",
            ),
            *wikidata_constraints("outlet"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("claims:outlet", kwargs={"pk": self.pk, "slug": self.slug})


# The search keys of a person's name, aliases and surname (articles' migration 0022).
SEARCH_KEYS = models.Func(
    "name", "aliases", function="person_search_keys", output_field=ArrayField(models.TextField())
)


class PersonQuerySet(models.QuerySet):
    def for_detail_page(self):
        """With the date its current version was recorded (its Cite box's) and whether it has
        quotes and articles it wrote: most people have neither, and their page reads them only
        when they have (issue #25)."""
        return with_current_version_recorded(self).annotate(
            has_quotes=RawSQL(
                "EXISTS (SELECT FROM articles_quote WHERE speaker_id = articles_person.id)",
                (),
                output_field=models.BooleanField(),
            ),
            has_authored_articles=RawSQL(
                "EXISTS (SELECT FROM articles_article_authors"
                " WHERE person_id = articles_person.id)",
                (),
                output_field=models.BooleanField(),
            ),
        )

    def matching_any(self, phrases):
        """People whose name, an alias or surname is one of the phrases (see search_key), found
        through the index of their keys (person_search_keys), not by keying every name."""
        return self.filter(
            pk__in=RawSQL(
                "SELECT id FROM articles_person WHERE person_search_keys(name, aliases)"
                " && ARRAY(SELECT search_key(p) FROM unnest(%s::text[]) p)",
                [list(phrases)],
            )
        )


class Person(CitedByName, NamedSlugMixin, VersionedModel):
    url_name = "claims:person"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    aliases = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Other spellings and transliterations, e.g. Zelenskyy for Zelensky.",
    )
    description = models.CharField(max_length=300, blank=True, help_text="Role, briefly.")
    wikidata_id = wikidata_id_field()

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = wikidata_constraints("person")
        indexes = [
            GinIndex(fields=["name"], name="person_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(SEARCH_KEYS, name="person_search_keys"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("claims:person", kwargs={"pk": self.pk, "slug": self.slug})

    def public_fields(self):
        """What its page shows, by label: what a version page and a change log compare."""
        return {
            "Name": self.name,
            "Description": self.description,
            "Also written": self.aliases,
            "Wikidata": self.wikidata_id,
        }


def display_title(title, is_supplied):
    """A title the archive supplied is shown in square brackets, as archivists do."""
    return f"[{title}]" if is_supplied else title


class ArticleQuerySet(models.QuerySet):
    def with_title_matching(self, query):
        """Those whose title alone matches the search query, read from the titles' own index."""
        return self.alias(title_vector=field_vector("title")).filter(title_vector=query)

    def for_lists(self):
        """Lists of articles on pages: no texts, and no search vector (the size of the text
        again, which no page shows)."""
        return self.select_related("outlet").defer("body", "search_vector")

    def for_export(self):
        """Their rows in exports and version pages: as in lists, with the SHA-256 of the latest
        capture (a subquery that lists, which don't show it, skip: issue #25)."""
        latest = Capture.objects.filter(article=OuterRef("pk")).order_by(*Capture.LATEST_FIRST)
        return self.for_lists().annotate(capture_sha256=Subquery(latest.values("sha256")[:1]))

    def for_detail_page(self):
        return self.select_related("outlet").prefetch_related(
            "authors",
            models.Prefetch("quotes", Quote.objects.select_related("speaker")),
            # Whether each was retrieved again: the page reads the revisits of those that were
            # (articles.views.article_page), and most articles have none. Written out: the ORM's
            # Exists(OuterRef) costs a third of a millisecond to compile (issue #25).
            models.Prefetch(
                "captures",
                Capture.objects.defer("raw").annotate(
                    revisited=RawSQL(
                        "EXISTS (SELECT FROM articles_revisit"
                        " WHERE articles_revisit.capture_id = articles_capture.id)",
                        (),
                        output_field=models.BooleanField(),
                    )
                ),
            ),
            "reported_claims",
        )

    def changed_since_first_capture(self):
        """Articles whose text changed after it was first archived: a new capture is stored
        only when the text or metadata changed (see articles.capture), so those with more than
        one."""
        return self.annotate(capture_count=Count("captures")).filter(capture_count__gt=1)


class Article(models.Model):
    """A news article the archive holds: its metadata, and the text of its latest capture.
    Its captures (see Capture) keep each retrieval exactly as it was."""

    outlet = models.ForeignKey(
        Outlet,
        # An outlet with archived articles can't be deleted: that would orphan the record.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        help_text="Empty when the capture does not say which outlet published it.",
    )
    proposed_outlet = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="The name the page gives its site, which no outlet of the archive had: an "
        "editor adds it as the outlet (“Add the outlets their pages name”) or chooses one.",
    )
    title = models.CharField(max_length=500)
    title_is_supplied = models.BooleanField(
        default=False,
        help_text="The capture has no headline: the archive wrote this title (shown in brackets).",
    )
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    url = models.URLField(
        "canonical URL",
        max_length=2000,
        null=True,
        blank=True,
        unique=True,
        help_text="Only a URL the capture itself gives; never a guessed one.",
    )
    published_date = models.DateField(null=True, blank=True)
    published_date_precision = models.CharField(
        max_length=7, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    authors = models.ManyToManyField(Person, blank=True, related_name="authored_articles")
    byline = models.CharField(max_length=300, blank=True, help_text="The byline as printed.")
    language = models.CharField(max_length=20, default="en")
    body = NormalisedTextField(
        editable=False,
        help_text="The text of its latest capture, which search and the explorer read.",
    )
    archived_at = models.DateTimeField(default=timezone.now, editable=False)
    provenance_note = NormalisedTextField(
        blank=True,
        help_text="What the capture does not say (outlet, URL, date, author) and the evidence "
        "the archive has instead.",
    )
    search_vector = models.GeneratedField(
        expression=weighted_vector(("title", "A"), ("body", "B")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_date", "title"]
        constraints = [
            partial_date_constraint("published_date", name="article_published_date_precision"),
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            models.CheckConstraint(
                condition=Q(outlet__isnull=True) | Q(proposed_outlet=""),
                name="article_proposed_outlet_only_without_outlet",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search_vector"),
            # The articles a word is in the title of: search ranks those first, and ranks only
            # them when there are enough for the page (claims.search, issue #25).
            GinIndex(field_vector("title"), name="article_title_search_vector"),
            # What a claims export reads of each reporting article, read from the index alone:
            # a few megabytes, where the table's pages (bodies and all) are random reads at
            # every claim (issue #25).
            models.Index(
                fields=["id"],
                include=["published_date", "title", "title_is_supplied", "outlet"],
                name="article_export_cells",
            ),
        ]

    def __str__(self):
        return self.display_title

    def save(self, *args, **kwargs):
        if self.url == "":
            self.url = None
        if self.outlet_id:
            self.proposed_outlet = ""  # an editor chose the outlet
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:article", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def display_title(self):
        return display_title(self.title, self.title_is_supplied)

    @property
    def published_display(self):
        return format_partial_date(self.published_date, self.published_date_precision)

    @property
    def summary(self):
        """The start of the archived text: for link previews."""
        return Truncator(self.body).chars(SUMMARY_LENGTH)

    @property
    def people(self):
        """Its authors and quoted speakers (uses the prefetches of for_detail_page())."""
        people = {author.pk: author for author in self.authors.all()}
        for quote in self.quotes.all():
            if quote.speaker:
                people.setdefault(quote.speaker.pk, quote.speaker)
        return sorted(people.values(), key=lambda person: person.name)

    @property
    def latest_capture(self):
        return self.captures.order_by(*Capture.LATEST_FIRST).first()

    def take_text_of_latest_capture(self):
        """Search and the explorer read the body: it is always the latest capture's text."""
        self.body = self.latest_capture.text
        Article.objects.filter(pk=self.pk).update(body=self.body)

    def citable(self, permalink):
        """Cited under its authors, or else the names its byline gives, in its outlet: none
        named where the outlet is unknown."""
        outlet = self.outlet.name if self.outlet else ""
        authors = [person_name(author.name) for author in self.authors.all()]
        return Citable(
            f"article-{self.pk}",
            self.display_title,
            authors or byline_names(self.byline, outlet),
            outlet,
            date_parts(self.published_date, self.published_date_precision),
            self.retrieved_date,
            permalink,
            type="article-newspaper",
            publisher=outlet,
        )

    @property
    def retrieved_date(self):
        """The day its latest capture was made, when known: what a citation gives as archived
        (the day the archive loaded the capture says nothing about the text). Reads the
        captures prefetched by for_detail_page() when there are some."""
        latest = max(self.captures.all(), key=Capture.latest_key, default=None)
        return latest.retrieved_at.date() if latest and latest.retrieved_at else None


class Capture(models.Model):
    """One retrieval of an article, kept exactly as it came: the bytes and their SHA-256, where
    and when they were retrieved, the text extracted from them and what extraction left out.
    Quotes are anchored in the text of the capture they were taken from."""

    class Origin(models.TextChoices):
        URL = "url", "retrieved by URL"
        WARC = "warc", "read from a WARC file"
        FILE = "file", "uploaded or read from a file"
        PASTE = "paste", "pasted text"
        SEED = "seed", "seed corpus"
        SYNTHETIC = "synthetic", "synthetic benchmark corpus"

    # Newest first: the capture retrieved last, or else archived last (an undated capture counts
    # as older than any dated one).
    LATEST_FIRST = [F("retrieved_at").desc(nulls_last=True), "-archived_at", "-pk"]

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="captures")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    raw = models.BinaryField(help_text="The bytes exactly as retrieved.")
    sha256 = models.CharField("SHA-256 of the raw bytes", max_length=64, unique=True)
    content_type = models.CharField(
        max_length=100, help_text="text/html or text/plain: how the bytes were read."
    )
    request_url = models.URLField(max_length=2000, blank=True)
    final_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the last redirect led, when retrieved by URL."
    )
    http_protocol = models.CharField(
        max_length=10,
        blank=True,
        default="",
        db_default="",
        help_text="The response's protocol as received (HTTP/1.1), if recorded.",
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    http_reason = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="The reason phrase of the response's status line as received, if recorded.",
    )
    http_headers = models.JSONField(
        default=list, blank=True, help_text="The response's headers as received: [[name, value]]."
    )
    http_request_headers = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        help_text="The request's headers as sent: [[name, value]] (recorded since issue #24).",
    )
    retrieved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the bytes were retrieved, if known."
    )
    archived_at = models.DateTimeField(default=timezone.now, editable=False)
    text = NormalisedTextField(help_text="The article's text extracted from the bytes.")
    removed_boilerplate = models.JSONField(
        default=list,
        blank=True,
        help_text='What extraction left out of the text: [{"text": ..., "reason": ...}].',
    )
    extractor = models.CharField(max_length=100, help_text="What extracted the text.")
    # Derived from the bytes, like the text, and kept to compare versions (articles.changes).
    metadata = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="What extraction read besides the text: the page's headline, byline and "
        "published date. Empty for captures archived before issue #23.",
    )
    changes = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="What changed since the article's previous version (articles.changes); empty "
        "for its first capture.",
    )

    class Meta:
        ordering = ["article", F("retrieved_at").asc(nulls_first=True), "archived_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="capture_sha256_is_hex"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="capture_text_not_empty"),
        ]
        # The TimeGate and TimeMap look captures up by address (articles.memento). Hash indexes:
        # a URL of 2,000 characters can be longer than a B-tree entry may be.
        indexes = [
            HashIndex(fields=["request_url"], name="capture_request_url"),
            HashIndex(fields=["final_url"], name="capture_final_url"),
        ]

    def __str__(self):
        return capfirst(self.description)

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.sha256 = capture_hash(bytes(self.raw))
        else:
            self.validate_unchanged()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The capture's own page: its article as this capture has it (a memento, RFC 7089). No
        slug, so that it never redirects: a memento's address is forever."""
        return reverse("articles:capture", kwargs={"pk": self.article_id, "capture_pk": self.pk})

    @property
    def original_url(self):
        """The address whose state the capture records: the one asked for, else the one
        retrieved, else its article's canonical URL ("" when none is known)."""
        return self.request_url or self.final_url or self.article.url or ""

    @property
    def is_memento(self):
        """A memento needs an original URL and the time it was retrieved."""
        return bool(self.retrieved_at and self.original_url)

    @property
    def description(self):
        """The capture as named in the middle of a sentence ("the text of the capture of …"),
        with the capitals of UTC and URL kept."""
        how = self.get_origin_display()
        if self.retrieved_at is None:
            return f"capture archived {self.archived_at:%Y-%m-%d %H:%M} UTC ({how}; date unknown)"
        return f"capture of {self.retrieved_at:%Y-%m-%d %H:%M} UTC ({how})"

    @staticmethod
    def latest_key(capture):
        """Sorts captures as LATEST_FIRST does, oldest first, in Python."""
        return (
            capture.retrieved_at is not None,
            capture.retrieved_at or capture.archived_at,
            capture.archived_at,
            capture.pk,
        )

    def validate_unchanged(self):
        """A capture is evidence: once archived, its bytes and text never change."""
        stored = Capture.objects.filter(pk=self.pk).values_list("sha256", "text").first()
        if stored != (capture_hash(bytes(self.raw)), self.text):
            raise ValidationError("An archived capture can't be changed; archive a new one.")

    @property
    def raw_text(self):
        """The bytes as text, to show them: decoded as UTF-8, undecodable bytes marked."""
        return bytes(self.raw).decode("utf-8", errors="replace")


class Revisit(models.Model):
    """A retrieval that found bytes the archive already holds: when, from where, with what HTTP
    exchange, and the capture it repeats (issue #24). Web archives record it as a WARC revisit
    record (profile identical-payload-digest); it is a memento of its address. Only retrievals
    are recorded (articles.capture): a file uploaded or pasted twice is the same document entered
    twice, and says nothing of what an address served at a time."""

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="revisits")
    origin = models.CharField(max_length=10, choices=Capture.Origin.choices)
    request_url = models.URLField(max_length=2000, blank=True)
    final_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the last redirect led, when retrieved by URL."
    )
    http_protocol = models.CharField(
        max_length=10, blank=True, help_text="The response's protocol as received (HTTP/1.1)."
    )
    http_status = models.PositiveSmallIntegerField()
    http_reason = models.TextField(
        blank=True, help_text="The reason phrase of the response's status line as received."
    )
    http_headers = models.JSONField(
        default=list, blank=True, help_text="The response's headers as received: [[name, value]]."
    )
    http_request_headers = models.JSONField(
        default=list, blank=True, help_text="The request's headers as sent: [[name, value]]."
    )
    retrieved_at = models.DateTimeField(help_text="When the same bytes were retrieved again.")
    archived_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["capture", "retrieved_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(request_url="") | ~Q(final_url=""), name="revisit_has_an_address"
            ),
            # The same retrieval read twice (a WARC file archived again) is no new retrieval.
            # MD5 of the addresses: a URL of 2,000 characters can be longer than a B-tree entry.
            models.UniqueConstraint(
                "capture",
                "retrieved_at",
                MD5("request_url"),
                MD5("final_url"),
                name="revisit_once_per_retrieval",
            ),
        ]
        # Looked up by address as captures are (articles.memento).
        indexes = [
            HashIndex(fields=["request_url"], name="revisit_request_url"),
            HashIndex(fields=["final_url"], name="revisit_final_url"),
        ]

    def __str__(self):
        return f"Retrieved again {self.retrieved_at:%Y-%m-%d %H:%M} UTC: identical"

    def get_absolute_url(self):
        """Its own page, a memento of its address at its own time: the capture's text, which it
        found again."""
        return reverse(
            "articles:revisit",
            kwargs={
                "pk": self.capture.article_id,
                "capture_pk": self.capture_id,
                "revisit_pk": self.pk,
            },
        )

    @property
    def original_url(self):
        """The address whose state it records: the one asked for, else the one retrieved."""
        return self.request_url or self.final_url

    is_memento = True  # it always has an address and a time (see Meta.constraints)


class AnchoredText(models.Model):
    """Words of an article's text, anchored at their offsets in the capture they were read in:
    a quote, or the span that reports a claim (claims.Appearance). Subclasses declare `article`,
    `text`, and `anchored_as`: what the words are, in a few words for a list."""

    capture = models.ForeignKey(
        # The text the offsets count in: a capture with anchored words can't vanish.
        Capture,
        on_delete=models.PROTECT,
        blank=True,  # new words are read in their article's latest capture
        related_name="%(class)ss",
        help_text="The capture whose text holds the words; its offsets count in that text.",
    )
    start_offset = models.PositiveIntegerField(help_text="Character offset in the capture's text.")
    end_offset = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.validate_offsets()
        super().save(*args, **kwargs)

    def clean(self):
        # Words without their article, their text or their offsets are refused on the field to
        # fix: by the fields' own checks (required), or by the form that looks for the words
        # (AnchoredTextForm) when they are not in the text. Only words in place are checked here.
        if self.article_id is None or not self.text or None in (self.start_offset, self.end_offset):
            return
        self.validate_offsets()

    def validate_offsets(self):
        if self.capture_id is None and self.article_id is not None:
            self.capture = self.article.latest_capture  # new words are read in the latest text
        if self.start_offset is None or self.end_offset is None or self.capture_id is None:
            raise ValidationError(
                f"This {self._meta.verbose_name} needs its capture and both offsets."
            )
        if self.capture.article_id != self.article_id:
            raise ValidationError(
                f"This {self._meta.verbose_name}'s capture must be a capture of its article."
            )
        found = self.capture.text[self.start_offset : self.end_offset]
        if found != self.text:
            raise ValidationError(
                {
                    "text": f"The capture's text at {self.start_offset} to {self.end_offset} "
                    f"reads “{found}”, not these words."
                }
            )


def offsets_span_text(name):
    """The check that an anchored text's offsets span exactly its words."""
    return models.CheckConstraint(
        condition=Q(end_offset=F("start_offset") + Length("text")), name=name
    )


def different_attribution_has_note(name):
    """The check that words attributed differently say what the original report attributes."""
    return models.CheckConstraint(
        condition=~Q(transmission="attributed_differently") | ~Q(transmission_note=""),
        name=name,
        violation_error_message="Say what the original report attributes the words to.",
    )


class QuoteQuerySet(models.QuerySet):
    def for_export(self):
        """Quotes with their speaker and article, without the article's texts, and the reports
        they were taken from (claims.Source records them: Source.quotes)."""
        return (
            self.select_related("speaker", "article__outlet")
            .defer("search_vector", "article__body", "article__search_vector")
            .prefetch_related("quoted_from")
        )


class Quote(AnchoredText, VersionedModel):
    """Words inside quotation marks in an article, with who said them, and how they reached it."""

    url_name = "articles:quote"

    class Transmission(models.TextChoices):
        UNKNOWN = "unknown", "Not recorded"
        DIRECT = "direct", "Said to or in front of the outlet"
        QUOTED_FROM_REPORT = "quoted_from_report", "Quoted from another report"
        RETOLD = "retold", "Translated or retold by the outlet (its wording, not the speaker's)"
        ATTRIBUTED_DIFFERENTLY = (
            "attributed_differently",
            "Attributed differently than in the original report",
        )

    # The ways that take the words from another report: the report is a claims.Source, which
    # records the quotes taken from it (Source.quotes, read here as quote.quoted_from).
    FROM_A_REPORT = {Transmission.QUOTED_FROM_REPORT, Transmission.ATTRIBUTED_DIFFERENTLY}

    article = models.ForeignKey(
        # Quotes are evidence for claims: an article that has them can't vanish.
        Article,
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    speaker = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        help_text="Empty for an anonymous or collective speaker; describe them in the label.",
    )
    speaker_label = models.CharField(
        max_length=300,
        blank=True,
        help_text='How the article describes the speaker, e.g. "an anonymous Trump-aligned '
        'national security expert".',
    )
    text = NormalisedTextField(help_text="The exact quoted words, as they stand in the text.")
    occasion = models.CharField(
        max_length=300, blank=True, help_text="e.g. a rally in Philadelphia, a podcast."
    )
    occasion_date = models.DateField(null=True, blank=True)
    occasion_date_precision = models.CharField(
        max_length=7, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    note = NormalisedTextField(
        blank=True, help_text="What the archive had to decide, e.g. where an unclosed quote ends."
    )
    transmission = models.CharField(
        "how the words reached the article",
        max_length=22,
        choices=Transmission.choices,
        default=Transmission.UNKNOWN,
        help_text="For a quote taken from another report, link it from that report's source.",
    )
    transmission_note = NormalisedTextField(
        "note on how the words reached it",
        blank=True,
        help_text="What the original report attributes, how the wording was changed, or what the "
        "capture says of how the words reached it. Required when attributed differently.",
    )
    search_vector = models.GeneratedField(
        expression=weighted_vector(("text", "A")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = QuoteQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_vector"])

    class Meta:
        ordering = ["article", "start_offset"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="quote_text_not_empty"),
            offsets_span_text("quote_offsets_span_text"),
            models.CheckConstraint(
                condition=Q(speaker__isnull=False) | ~Q(speaker_label=""),
                name="quote_has_speaker_or_label",
            ),
            partial_date_constraint("occasion_date", name="quote_occasion_date_precision"),
            different_attribution_has_note("quote_different_attribution_has_note"),
        ]
        indexes = [GinIndex(fields=["search_vector"], name="quote_search_vector")]

    def __str__(self):
        return f"{self.speaker_display}: “{self.text}”"

    def get_absolute_url(self):
        return reverse("articles:quote", kwargs={"pk": self.pk})

    @property
    def summary(self):
        """What the quote says, in a line: for link previews."""
        return f"{self}, in {self.article.display_title}"

    def public_fields(self):
        """What its page shows, by label: what a version page and a change log compare."""
        return {
            "Words": self.text,
            "Speaker": self.speaker_display,
            "Article": str(self.article),
            "Occasion": self.occasion,
            "Date": self.date_display,
            "Archive's note": self.note,
            "How the words reached the article": self.get_transmission_display(),
            "Note on how they reached it": self.transmission_note,
        }

    @property
    def speaker_display(self):
        return self.speaker.name if self.speaker else self.speaker_label

    @property
    def anchored_as(self):
        return f"quote by {self.speaker_display}"

    @property
    def occasion_date_display(self):
        return format_partial_date(self.occasion_date, self.occasion_date_precision)

    @property
    def date_display(self):
        """When the words were said, as far as the archive knows: the occasion's date, or else
        the date of the article that reported them (they were said by then)."""
        if self.occasion_date is None and self.article.published_date is not None:
            return f"reported {self.article.published_display}"
        return self.occasion_date_display

    @property
    def latest_day_said(self):
        """The last day the words may have been said on, as date_display tells it: to order a
        timeline."""
        said = latest_possible_day(self.occasion_date, self.occasion_date_precision)
        reported = latest_possible_day(
            self.article.published_date, self.article.published_date_precision
        )
        return said or reported

    def clean(self):
        if (
            self.transmission == self.Transmission.ATTRIBUTED_DIFFERENTLY
            and not self.transmission_note
        ):
            raise ValidationError(
                {"transmission_note": "Say what the original report attributes the words to."}
            )
        super().clean()

    @property
    def report_not_recorded(self):
        """Taken from another report that the archive has not linked (uses quote.quoted_from,
        prefetched where quotes are listed)."""
        return self.transmission in self.FROM_A_REPORT and not self.quoted_from.all()

    def citable(self, permalink):
        """Cited under its speaker; a speaker the article only describes is no name to cite
        under, so the description is part of the title."""
        if self.speaker:
            title, speakers = f"Quote: {self.text}", [person_name(self.speaker.name)]
        else:
            title, speakers = f"Quote of {self.speaker_label}: {self.text}", []
        return Citable(
            f"quote-{self.pk}",
            title,
            speakers,
            self.article.display_title,
            date_parts(self.occasion_date, self.occasion_date_precision)
            or date_parts(self.article.published_date, self.article.published_date_precision),
            # The day the capture it was taken from was made, when known.
            self.capture.retrieved_at.date() if self.capture.retrieved_at else None,
            permalink,
        )


class QuoteProposal(VersionedModel):
    """A quotation the archive found in the text of one of an article's captures (its latest,
    when proposed: articles.proposals), with the speaker its attribution suggests. It becomes a
    Quote in that capture, at the same offsets, only when an editor accepts it; versioned, so of
    two editors correcting it at once the second is told, not overwritten."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed: waiting for an editor"
        ACCEPTED = "accepted", "Accepted: a quote"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quote_proposals")
    capture = models.ForeignKey(
        # The text the offsets count in, as for a quote.
        Capture,
        on_delete=models.CASCADE,
        related_name="quote_proposals",
        editable=False,
    )
    text = NormalisedTextField(help_text="The words inside the quotation marks.")
    start_offset = models.PositiveIntegerField(help_text="Character offset in the capture's text.")
    end_offset = models.PositiveIntegerField()
    speaker = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Correct it before accepting if the proposal is wrong.",
    )
    new_speaker_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="A name the attribution gives that matches no person in the archive: accepting "
        "adds that person, unless a speaker is chosen instead.",
    )
    speaker_label = models.CharField(
        max_length=300,
        blank=True,
        help_text='How the article describes a speaker it does not name, e.g. "the agency".',
    )
    cue = models.CharField(
        max_length=200, blank=True, help_text="The attribution words the speaker was read from."
    )
    # How the words reached the article: the archive can't tell, so the editor says, before
    # accepting; the quote takes it.
    transmission = models.CharField(
        "how the words reached the article",
        max_length=22,
        choices=Quote.Transmission.choices,
        default=Quote.Transmission.UNKNOWN,
        help_text="Say it before accepting: the quote takes it. For words taken from another "
        "report, link the quote from that report's source once accepted.",
    )
    transmission_note = NormalisedTextField(
        "note on how the words reached it",
        blank=True,
        help_text=Quote._meta.get_field("transmission_note").help_text,
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
    quote = models.OneToOneField(
        Quote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
        editable=False,
        help_text="The quote an editor made of it.",
    )

    class Meta:
        ordering = ["article", "start_offset"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="quote_proposal_text_not_empty"),
            models.CheckConstraint(
                condition=Q(end_offset=F("start_offset") + Length("text")),
                name="quote_proposal_offsets_span_text",
            ),
            models.CheckConstraint(
                condition=Q(speaker__isnull=True) | Q(new_speaker_name=""),
                name="quote_proposal_one_speaker",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_by__isnull=True)
                | (~Q(status="proposed") & Q(decided_by__isnull=False)),
                name="quote_proposal_decided_by_editor",
            ),
            models.UniqueConstraint(
                fields=["capture", "start_offset", "end_offset"], name="quote_proposal_one_per_span"
            ),
            different_attribution_has_note("quote_proposal_different_attribution_has_note"),
        ]

    def __str__(self):
        return f"“{self.text}” ({self.status})"

    @property
    def proposed_speaker(self):
        if self.speaker:
            return self.speaker.name
        if self.new_speaker_name:
            return f"{self.new_speaker_name} (new person)"
        return self.speaker_label
