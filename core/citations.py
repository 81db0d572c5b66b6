"""Citations of archive pages in plain text, Chicago, APA and BibTeX.

Each model that can be cited says what its citation holds with a `citable(permalink)` method
returning a Citable; the formats here only lay that out. Each cites the archive's permalink, the
date the archive made its record, and the date the reader accessed it, since archived pages are
cited as archived, not as first published.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

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


class CitedByName:
    """A model cited by its name alone, as a page of the archive (people, topics, outlets)."""

    def citable(self, permalink):
        kind = type(self).__name__.lower()
        return Citable(f"{kind}-{self.pk}", str(self), "", ARCHIVE_NAME, "", "", None, permalink)


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


def known(display):
    return "" if display == "date unknown" else display


def year_of(date):
    return str(date.year) if date else ""


def _day(date):
    return f"{date.day} {date.strftime('%B %Y')}"


def _bibtex_escape(text):
    for char in "\\{}&%$#_":
        text = text.replace(char, f"\\{char}")
    return text
