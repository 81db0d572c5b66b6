"""Citations of archive pages in plain text, Chicago, APA and BibTeX.

Each cites the archive's permalink, the date the archive made its record, and the date the
reader accessed it, since archived pages are cited as archived, not as first published.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from articles.models import Article, Outlet, Person, Quote
from claims.models import Claim, Source, Topic

ARCHIVE_NAME = "newsarchive"


@dataclass
class Citable:
    key: str  # e.g. "claim-6", for BibTeX
    title: str
    author: str  # empty when there is none to name
    container: str  # where it appeared: an outlet, an article, or the archive itself
    date: str  # as precise as it is known, e.g. "2 July 2024", "2024", or ""
    year: str
    archived: datetime.date | None
    url: str  # the archive's permalink, absolute


def citable(obj, permalink):
    """What a citation of obj says; permalink is the absolute URL of its page."""
    if isinstance(obj, Article):
        return Citable(
            f"article-{obj.pk}",
            obj.display_title,
            obj.byline or ", ".join(author.name for author in obj.authors.all()),
            obj.outlet.name if obj.outlet else "Unknown outlet",
            _known(obj.published_display),
            _year(obj.published_date),
            obj.archived_at.date(),
            permalink,
        )
    if isinstance(obj, Quote):
        return Citable(
            f"quote-{obj.pk}",
            f"Quote: {obj.text}",
            obj.speaker_display,
            obj.article.display_title,
            _known(obj.occasion_date_display) or _known(obj.article.published_display),
            _year(obj.occasion_date or obj.article.published_date),
            obj.article.archived_at.date(),
            permalink,
        )
    if isinstance(obj, Claim):
        claimants = [
            actor.person.name for actor in obj.claim_actors.all() if actor.role == "claimant"
        ]
        return Citable(
            f"claim-{obj.pk}",
            obj.statement,
            ", ".join(claimants),
            ARCHIVE_NAME,
            _known(obj.claimed_date_display),
            _year(obj.claimed_date),
            obj.created_at.date(),
            permalink,
        )
    if isinstance(obj, Source):
        return Citable(
            f"source-{obj.pk}", str(obj), obj.publisher, ARCHIVE_NAME, _known(obj.date_display),
            _year(obj.date), None, permalink,
        )  # fmt: skip
    if isinstance(obj, Person | Topic | Outlet):
        kind = type(obj).__name__.lower()
        return Citable(f"{kind}-{obj.pk}", str(obj), "", ARCHIVE_NAME, "", "", None, permalink)
    raise TypeError(f"Nothing to cite for {obj!r}")


def citations(item, *, accessed=None):
    """{format name: citation text}."""
    accessed = accessed or timezone.now().date()
    return {
        "Plain text": plain(item, accessed),
        "Chicago": chicago(item, accessed),
        "APA": apa(item, accessed),
        "BibTeX": bibtex(item, accessed),
    }


def plain(item, accessed):
    parts = [f"{item.author}." if item.author else "", f"“{_title(item)}.”", _where(item)]
    archived = f" Archived by {ARCHIVE_NAME}, {_day(item.archived)}." if item.archived else ""
    return f"{_join(parts)}{archived} {item.url} (accessed {_day(accessed)})."


def chicago(item, accessed):
    parts = [f"{item.author}." if item.author else "", f"“{_title(item)}.”", _where(item)]
    archived = f" Archived in {ARCHIVE_NAME}, {_day(item.archived)}." if item.archived else ""
    return f"{_join(parts)}{archived} Accessed {_day(accessed)}. {item.url}."


def apa(item, accessed):
    date = f"({item.date or 'n.d.'})."
    author = f"{item.author}." if item.author else ""
    title = f"{_title(item)}."
    container = "" if item.container == ARCHIVE_NAME else f"{item.container}."
    return _join([author, date, title, container, f"{ARCHIVE_NAME}."]) + (
        f" Retrieved {accessed.strftime('%B')} {accessed.day}, {accessed.year}, from {item.url}"
    )


def bibtex(item, accessed):
    fields = {
        "title": f"{{{_bibtex_escape(item.title)}}}",
        "author": _bibtex_escape(item.author),
        "howpublished": _bibtex_escape(
            ARCHIVE_NAME
            if item.container == ARCHIVE_NAME
            else f"{item.container}, via {ARCHIVE_NAME}"
        ),
        "year": item.year,
        "url": item.url,
        "note": f"Archived {item.archived.isoformat()}; accessed {accessed.isoformat()}"
        if item.archived
        else f"Accessed {accessed.isoformat()}",
    }
    lines = [f"  {name} = {{{value}}}," for name, value in fields.items() if value]
    return "\n".join([f"@misc{{{ARCHIVE_NAME}-{item.key},", *lines, "}"])


def _title(item):
    """The title without its own full stop: the citation adds one."""
    return item.title.rstrip(".")


def _where(item):
    return f"{item.container}, {item.date}." if item.date else f"{item.container}."


def _join(parts):
    return " ".join(part for part in parts if part)


def _known(display):
    return "" if display == "date unknown" else display


def _year(date):
    return str(date.year) if date else ""


def _day(date):
    return f"{date.day} {date.strftime('%B %Y')}"


def _bibtex_escape(text):
    for char in "\\{}&%$#_":
        text = text.replace(char, f"\\{char}")
    return text
