"""Changes that matter between versions of an article (issue #23).

A capture of an archived article is a new version when its text or what the page says of itself
(headline, byline, published date: its metadata) changed; boilerplate alone (menus, ads, dates
of the day) never makes one, as extraction leaves it out. Each new version is classified against
the version before it: the headline, byline or date changed, paragraphs added or removed, the
share of the text that changed, and the anchored words (quotes, and through
articles.signals.anchored_texts_wanted the claims' appearances) that were there and are gone.
The result is stored on the capture (Capture.changes) for the changes page and for alerts.

Whether anchored words are still in the article is read from the texts, when a page is shown:
vanished() says since which version they are gone.
"""

import datetime
import difflib
from dataclasses import dataclass
from itertools import pairwise

from django.apps import apps

from articles.extraction import CaptureRefused, extract
from articles.models import Capture
from articles.signals import anchored_texts_wanted
from core.dates import format_partial_date

# What is compared, by name in Capture.metadata and Capture.changes, with what the summary says.
METADATA_CHANGES = {
    "headline": "Headline changed",
    "byline": "Byline changed",
    "published": "Date changed",
}


def metadata_from(extracted):
    """Capture.metadata for what extraction read: the page's own headline ("" when the archive
    supplied the title), byline, and published date with its precision."""
    date = extracted.published_date
    return {
        "headline": "" if extracted.title_is_supplied else extracted.title,
        "byline": extracted.byline,
        "published": {
            "date": date.isoformat() if date else "",
            "precision": extracted.published_date_precision,
        },
    }


def metadata_of(capture):
    """The capture's metadata; for a capture archived before it was recorded, read again from
    its bytes and recorded (None when they can't be read any more)."""
    if capture.metadata is None:
        article = capture.article
        try:
            extracted = extract(
                bytes(capture.raw),
                content_type=capture.content_type,
                # Plain text marks no headline: the one given when it was archived is its title.
                title="" if article.title_is_supplied else article.title,
                url=capture.final_url or capture.request_url,
                require_article=False,
            )
        except CaptureRefused:
            return None
        capture.metadata = metadata_from(extracted)
        Capture.objects.filter(pk=capture.pk).update(metadata=capture.metadata)
    return capture.metadata


def is_same_version(latest, capture):
    """Whether `capture` says what `latest` says: the same text and metadata. Metadata that
    can't be read any more compares as the same."""
    if latest.text != capture.text:
        return False
    metadata = metadata_of(latest)
    return metadata is None or capture.metadata is None or metadata == capture.metadata


def record_changes(capture):
    """Classify a new capture against the version before it and store it; a capture retrieved
    before the latest (from a WARC file, say) falls between two versions, so the one after it is
    classified again, against it."""
    article = capture.article
    versions = sorted(article.captures.defer("raw"), key=Capture.latest_key)
    index = [version.pk for version in versions].index(capture.pk)
    versions[index] = capture  # with its metadata and bytes
    before = versions[index - 1] if index > 0 else None
    after = versions[index + 1] if index + 1 < len(versions) else None
    anchored = anchored_texts(article)
    for old, new in [(before, capture), (capture, after)]:
        if old is None or new is None:
            continue
        metadata_of(old)
        new.changes = classify(old, new, anchored)
        Capture.objects.filter(pk=new.pk).update(changes=new.changes)


def anchored_texts(article):
    """Every word anchored in the article's captures: its quotes, and what other apps anchor
    (articles.signals.anchored_texts_wanted)."""
    found = list(article.quotes.all())
    for _, texts in anchored_texts_wanted.send(sender=Capture, article=article):
        found.extend(texts)
    return found


def classify(old, new, anchored=()):
    """Capture.changes: what changed from version `old` to version `new`. Metadata is compared
    when both have it; `anchored` are words anchored in the article (AnchoredText), of which
    those `old` holds and `new` lacks are gone."""
    changes = {"previous": old.pk}
    if old.metadata is not None and new.metadata is not None:
        for name in METADATA_CHANGES:
            if old.metadata[name] != new.metadata[name]:
                changes[name] = [_shown(name, old.metadata), _shown(name, new.metadata)]
    added, removed = _paragraphs_added_and_removed(old.text, new.text)
    changes["paragraphs_added"], changes["paragraphs_removed"] = added, removed
    words = difflib.SequenceMatcher(None, old.text.split(), new.text.split(), autojunk=False)
    changes["text_changed"] = round(1 - words.ratio(), 4)
    gone = {}
    for text in anchored:
        if text.text in old.text and text.text not in new.text:
            gone.setdefault(text._meta.label_lower, []).append(text.pk)
    changes["gone"] = gone
    return changes


def _shown(name, metadata):
    if name == "published":
        date, precision = metadata[name]["date"], metadata[name]["precision"]
        return format_partial_date(datetime.date.fromisoformat(date) if date else None, precision)
    return metadata[name]


def _paragraphs_added_and_removed(old, new):
    """Paragraphs are the text's blank-line-separated blocks (as extraction joins them); an
    edited paragraph is neither added nor removed (the share of the text changed counts it)."""
    before, after = old.split("\n\n"), new.split("\n\n")
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation != "equal":
            added += max(0, (j2 - j1) - (i2 - i1))
            removed += max(0, (i2 - i1) - (j2 - j1))
    return added, removed


def summary(changes):
    """The changes that matter, in a line: "Headline changed · 2 paragraphs added · 14% of the
    text changed · 1 quote no longer there"."""
    parts = [label for name, label in METADATA_CHANGES.items() if name in changes]
    for key, done in [("paragraphs_added", "added"), ("paragraphs_removed", "removed")]:
        if changes[key]:
            parts.append(f"{_count(changes[key], 'paragraph', 'paragraphs')} {done}")
    share = changes["text_changed"]
    if share == 0:
        parts.append("The same text")
    elif share < 0.01:
        parts.append("Less than 1% of the text changed")
    else:
        parts.append(f"{round(share * 100)}% of the text changed")
    for label, pks in changes["gone"].items():
        meta = apps.get_model(label)._meta
        parts.append(
            f"{_count(len(pks), meta.verbose_name, meta.verbose_name_plural)} no longer there"
        )
    return " · ".join(parts)


def _count(number, singular, plural):
    return f"{number} {singular if number == 1 else plural}"


@dataclass
class Vanished:
    """Anchored words the article's latest version no longer has."""

    last_in: Capture  # the last version that had them
    gone_in: Capture  # the version after it: the first without them

    @property
    def since(self):
        return self.gone_in.retrieved_at or self.gone_in.archived_at


def vanished(words, captures):
    """A Vanished when the latest of `captures` (all the article's, with their text) lacks
    `words`, else None. Words are looked for anywhere in a text: the same words elsewhere in it
    count as still there."""
    versions = sorted(captures, key=Capture.latest_key)
    for old, new in reversed(list(pairwise(versions))):
        if words in new.text:
            return None
        if words in old.text:
            return Vanished(old, new)
    return None


@dataclass
class Version:
    """A capture on the changes page, with what changed since the one before it."""

    capture: Capture
    previous: Capture | None
    summary: str


def versions(captures, anchored):
    """The article's versions, latest first, each with its summary: as stored, or read from the
    texts now for a capture classified against another than the one before it today (archived
    before versions were classified, or since a capture was deleted)."""
    found, previous = [], None
    for capture in sorted(captures, key=Capture.latest_key):
        if previous is None:
            line = "The first version archived"
        elif capture.changes and capture.changes["previous"] == previous.pk:
            line = summary(capture.changes)
        else:
            line = summary(classify(previous, capture, anchored))
        found.append(Version(capture, previous, line))
        previous = capture
    return found[::-1]
