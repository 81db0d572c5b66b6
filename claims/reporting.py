"""How each outlet told a claim: the words of every reporting article side by side, with what
differs between them marked: spelling variants (Kiev/Kyiv, Zelensky/Zelenskyy), hedges that one
article has and another lacks ("reportedly", "could" against "would"), and differing attribution
(another original source cited, or quoted words the article gives to someone other than the
original report does)."""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import Truncator

from articles.models import Quote
from claims.models import Appearance, SpellingVariant
from core import page_cache

# Words that weaken or distance what is reported: adverbs and adjectives of likelihood, the
# tentative modals, and epistemic verbs (Hyland's hedges). An article that drops one tells a
# firmer story than the other ("could" becoming "would", "reportedly" gone).
HEDGES = frozenset(
    [
        "reportedly", "allegedly", "apparently", "purportedly", "supposedly", "presumably",
        "presumed", "possibly", "potentially", "potential", "likely", "unlikely", "probably",
        "perhaps", "could", "might", "may", "appears", "appear", "appeared", "seems", "seem",
        "seemed", "suggested", "suggests", "suggest", "hinted",
    ]
)  # fmt: skip
# The firm modals a tentative one stands against: said beside a dropped "could".
FIRM_MODALS = frozenset(["would", "will", "can"])
WORD = re.compile(r"[\w’']+")


@dataclass
class Piece:
    """A stretch of an article's words; marked ones say what differs."""

    text: str
    mark: str = ""  # "", "variant", "hedge" or "attribution"
    title: str = ""


@dataclass
class Telling:
    """One reporting article's telling of the claim; `appearance` is None where the article's
    words are not anchored yet."""

    article: object
    appearance: Appearance | None
    pieces: list = field(default_factory=list)

    name: str = ""  # what the differences call it: its outlet, or its title when that can't tell


def outlet_tellings(claim):
    """The claim's reporting articles in date order (undated last), each with its marked words,
    and the differences between them as sentences. Uses the claim's prefetched articles, actors
    and appearances (for_detail_page, or a version's: claims.versions) and, when two articles
    or more hold the claim's words, one query for the spelling variants."""
    appearances = {appearance.article_id: appearance for appearance in claim.appearances.all()}
    for article in claim.articles.all():
        if article.pk in appearances:
            appearances[article.pk].article = article  # already read, with its outlet
    tellings = sorted(
        (Telling(article, appearances.get(article.pk)) for article in claim.articles.all()),
        key=lambda telling: (
            telling.article.published_date is None,
            telling.article.published_date,
            telling.article.pk,
        ),
    )
    _name(tellings)
    anchored = [telling for telling in tellings if telling.appearance]
    marks = {id(telling): {} for telling in anchored}  # (start, end) -> (kind, title)
    differences = [
        *_spelling_differences(anchored, claim, marks),
        *_hedge_differences(anchored, marks),
        *_source_differences(anchored),
        *_attribution_differences(anchored, claim.evidence.all(), marks),
    ]
    for telling in anchored:
        telling.pieces = _pieces(telling.appearance.text, marks[id(telling)])
    return tellings, differences


def _name(tellings):
    outlets = Counter(telling.article.outlet_id for telling in tellings)
    for telling in tellings:
        article = telling.article
        if article.outlet and outlets[article.outlet_id] == 1:
            telling.name = article.outlet.name
        elif article.title_is_supplied:
            telling.name = f"[{Truncator(article.title).chars(60)}]"
        else:
            telling.name = Truncator(article.title).chars(60)


def _variant_groups(claim):
    """Spellings of one thing: the archive's spelling variants and the names of the claim's
    actors (a person's name and aliases)."""
    page_cache.note_whole_table(SpellingVariant)  # a new variant changes every claim's page
    groups = [variant.terms for variant in SpellingVariant.objects.all()]
    for actor in claim.claim_actors.all():
        groups.append([actor.person.name, *actor.person.aliases])
    return groups


def _spelling_differences(tellings, claim, marks):
    if len(tellings) < 2:
        return []  # nothing to compare: no need to read the variants (most claim pages)
    differences = []
    for group in _variant_groups(claim):
        used = {}  # id(telling) -> (telling, {term: [(start, end)]})
        for telling in tellings:
            found = find_terms(telling.appearance.text, group)
            if found:
                used[id(telling)] = (telling, found)
        spellings = {term for _, found in used.values() for term in found}
        if not differ_in_spelling(spellings):
            continue
        for telling, found in used.values():
            title = f"spelled {' / '.join(sorted(spellings - set(found)))} elsewhere"
            for spans in found.values():
                for span in spans:
                    marks[id(telling)][span] = ("variant", title)
        differences.append(
            "Spelled differently: "
            + "; ".join(
                f"{' / '.join(f'“{term}”' for term in found)} in {telling.name}"
                for telling, found in used.values()
            )
            + "."
        )
    return differences


def find_terms(text, terms):
    """Where each term of a group stands in the text as whole words, longest terms first (so
    "Vladimir Zelensky" is not also counted as "Zelensky")."""
    found, taken = {}, []
    for term in sorted(terms, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE):
            span = match.span()
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue
            taken.append(span)
            found.setdefault(match.group(0), []).append(span)
    return found


def differ_in_spelling(spellings):
    """Two forms differ in spelling when neither is a shorter form of the other: "Kiev" and
    "Kyiv" do, "Trump" and "Donald Trump" don't."""
    words = [set(spelling.lower().split()) for spelling in spellings]
    return any(not (a <= b or b <= a) for a in words for b in words)


def _hedge_differences(tellings, marks):
    if len(tellings) < 2:
        return []
    hedges = {id(telling): hedges_in(telling.appearance.text) for telling in tellings}
    differences = []
    for telling in tellings:
        for word, spans in hedges[id(telling)].items():
            lacking = [other for other in tellings if word not in hedges[id(other)]]
            if not lacking:
                continue
            names = ", ".join(other.name for other in lacking)
            for span in spans:
                marks[id(telling)][span] = ("hedge", f"not in {names}")
            instead = "; ".join(
                f"{other.name} says {' and '.join(f'“{modal}”' for modal in sorted(firm))}"
                for other in lacking
                if (firm := _words(other.appearance.text, FIRM_MODALS))
            )
            differences.append(
                f"“{word}” in {telling.name}; not in {names}"
                + (f" ({instead})" if instead else "")
                + "."
            )
    return differences


def hedges_in(text):
    return _words(text, HEDGES)


def _words(text, vocabulary):
    """Where each word of the vocabulary stands in the text; "May" with a capital is the month."""
    words = {}
    for match in WORD.finditer(text):
        word = match.group(0)
        if word.lower() in vocabulary and word != "May":
            words.setdefault(word.lower(), []).append(match.span())
    return words


def _source_differences(tellings):
    cited = {telling.appearance.source for telling in tellings}
    if len(cited) < 2:
        return []
    return [
        "They cite different original sources: "
        + "; ".join(
            f"{telling.name} cites {telling.appearance.source or 'no original source'}"
            for telling in tellings
        )
        + "."
    ]


def _attribution_differences(tellings, evidence, marks):
    """Quotes evidencing the claim that an article gives to someone other than the original
    report does (their transmission says so, with a note)."""
    differences = []
    by_article = {telling.article.pk: telling for telling in tellings}
    for quote in evidence:
        telling = by_article.get(quote.article_id)
        if telling is None or quote.transmission != Quote.Transmission.ATTRIBUTED_DIFFERENTLY:
            continue
        text = telling.appearance.text
        start = text.find(quote.text)
        if start >= 0:
            marks[id(telling)][start, start + len(quote.text)] = (
                "attribution",
                quote.transmission_note,
            )
        differences.append(
            f"Attributed differently in {telling.name}: “{quote.text}”. {quote.transmission_note}"
        )
    return differences


def _pieces(text, marks):
    pieces, position = [], 0
    for (start, end), (mark, title) in sorted(marks.items()):
        if start < position:
            continue  # a hedge inside a variant's words: the variant's mark stands
        if start > position:
            pieces.append(Piece(text[position:start]))
        pieces.append(Piece(text[start:end], mark, title))
        position = end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return pieces
