"""Full-text search over claims, quotes and articles.

A search is PostgreSQL full-text search in websearch syntax ("phrases", OR, -exclusion) over the
generated, weighted search vectors (articles/search.py), widened by aliases: when the words typed
name a person, a topic or a spelling variant, every other name of it is searched too, so that
"Zelenskyy" also finds "Zelensky", "Kyiv" finds "Kiev", and "collective defense" finds the
claims filed under Article 5. Results say when they matched only through an alias.
"""

import contextlib
import functools
import operator
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.core.paginator import Page
from django.db import connections, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Lookup, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import Article, Person, Quote
from claims.models import Claim, ClaimActor, SpellingVariant, Topic
from core.concurrent_reads import read_concurrently
from core.pages import page_of
from core.search import SEARCH_CONFIG, normalise_search_text

LONGEST_NAME_IN_WORDS = 4
SUGGESTION_SIMILARITY = 0.5
# Private-use characters mark highlights inside PostgreSQL's headline; they become <mark> tags
# only after the text around them has been escaped.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\ue000", "\ue001"
WORD = re.compile(r"[\w'’.-]+")
QUOTED = re.compile(r'"[^"]*"?')
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
OPERATORS = {"or", "and", "not"}
# A tsquery of one lexeme as PostgreSQL writes it ('nato'; quotes inside doubled).
ONE_LEXEME = re.compile(r"'(?:[^']|'')+'")


@dataclass
class Alias:
    """Other names searched because the query named a person, a topic or a spelling variant."""

    kind: str  # "person", "topic" or "spelling"
    label: str  # what the names belong to, e.g. "Volodymyr Zelenskyy"
    typed: str  # the words of the query that named it, e.g. "Zelenskyy"
    names: list  # every other name, e.g. ["Vladimir Zelensky", "Zelensky"]


@dataclass
class Search:
    text: str
    direct_query: SearchQuery  # the words as typed
    query: SearchQuery  # the words as typed, or with a named thing called by another name
    aliases: list = field(default_factory=list)
    people: list = field(default_factory=list)
    topics: list = field(default_factory=list)


def prepare_search(text):
    """A Search for the text, with its aliases looked up (three queries), or None if nothing in
    it can be searched for. Only the text's normal form (core.search) reaches PostgreSQL."""
    text = normalise_search_text(text)
    if not text:
        return None
    phrases = _phrases(text)
    people = list(Person.objects.matching_any(phrases)) if phrases else []
    topics = list(Topic.objects.matching_any(phrases)) if phrases else []
    spellings = list(SpellingVariant.objects.matching_any(phrases)) if phrases else []
    groups = [
        *(("person", person.name, [person.name, *person.aliases]) for person in people),
        *(("topic", topic.name, [topic.name, *topic.synonyms]) for topic in topics),
        *(("spelling", str(spelling), spelling.terms) for spelling in spellings),
    ]
    aliases = [alias for group in groups if (alias := _alias(*group, phrases))]
    direct_query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    query = direct_query
    for alias in aliases:
        for name in alias.names:
            # The query again, with the named thing called by its other name.
            alternative = _replace_words(text, alias.typed, f'"{name}"')
            query |= SearchQuery(alternative, search_type="websearch", config=SEARCH_CONFIG)
    return Search(text, direct_query, query, aliases, people, topics)


def _alias(kind, label, names, phrases):
    keys = {search_key(name) for name in names}
    if kind == "person":
        keys.add(search_key(label).rpartition(" ")[2])  # a person may be named by surname
    typed = max((p for p in phrases if search_key(p) in keys), key=len, default=None)
    if typed is None:
        return None  # matched by the database's normalisation but not ours; skip, don't guess
    others = [name for name in names if search_key(name) != search_key(typed)]
    return Alias(kind, label, typed, others) if others else None


def search_key(text):
    """Python's twin of the SQL function search_key: no case, accents or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def _replace_words(text, words, replacement):
    pattern = r"[\W_]+".join(re.escape(word) for word in WORD.findall(words))
    return re.sub(pattern, lambda _: replacement, text, count=1, flags=re.IGNORECASE)


def _phrases(text):
    """Runs of up to four consecutive words that could name something, leaving out "quoted
    phrases" (asked for exactly), excluded -words and operators."""
    words = [
        POSSESSIVE.sub("", word).strip(".'’-")
        for word in WORD.findall(QUOTED.sub(" ", text))
        if not word.startswith("-") and word.lower() not in OPERATORS
    ]
    words = [word for word in words if word]
    return {
        " ".join(words[start : start + length])
        for length in range(1, LONGEST_NAME_IN_WORDS + 1)
        for start in range(len(words) - length + 1)
    }


def search_claims(claims, search):
    """Claims whose statement or notes match, whose evidence quotes match, or whose actors or
    topics the query named."""
    return _ranked(_claims_matching(claims, search), search, "claims")


def _claims_matching(claims, search):
    return claims.filter(
        Q(search_vector=search.query) | EqualsAny(F("pk"), _claims_found_elsewhere(search))
    )


def _claims_found_elsewhere(search):
    """The ids of the claims found other than by their own words, as an array computed once.

    Searched as `vector @@ query OR id = ANY(ARRAY(…))`, PostgreSQL ORs the GIN index's
    bitmap with the primary key's and reads each claim once; `OR id IN (SELECT …)` instead
    made it read every claim and test each one (issue #25)."""
    found = [Claim.evidence.through.objects.filter(quote__search_vector=search.query)]
    if search.people:
        found.append(ClaimActor.objects.filter(person__in=search.people))
    if search.topics:
        found.append(Claim.topics.through.objects.filter(topic__in=search.topics))
    ids = [rows.order_by().values("claim_id") for rows in found]
    return ArraySubquery(ids[0].union(*ids[1:]))


class EqualsAny(Lookup):
    """`lhs = ANY(array)`: equal to one of the array's values."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def search_quotes(quotes, search):
    return _ranked(_matching(quotes, search), search, "quotes")


def search_articles(articles, search):
    return _ranked(_matching(articles, search), search, "articles")


def _matching(rows, search):
    return rows.filter(search_vector=search.query)


class RankedRows:
    """The quotes or articles among `rows` that a search finds, best first (by rank, then the
    oldest), for a paginator: counted without ranking them, then a page's ids ranked (so that
    PostgreSQL sorts ids and ranks, not whole rows) and those rows loaded by id (issue #25)."""

    def __init__(self, rows, search):
        self.found = _matching(rows, search)
        self.search = search

    def count(self):
        return self.found.count()

    def __getitem__(self, page):
        if page.start == page.stop:
            return []  # no row on the page (the paginator asks for none when nothing is found)
        best_first = self.found.annotate(rank=_rank(self.search)).order_by("-rank", "pk")
        ids = list(best_first.values_list("pk", flat=True)[page])
        rows = self.found.in_bulk(ids)
        # Read apart from the ids: a row deleted in between is left out, not a KeyError (500).
        return [rows[pk] for pk in ids if pk in rows]


# The text each kind's headline shows, and how.
HEADLINES = {
    "claims": ("statement", {"highlight_all": True}),
    "quotes": ("text", {"highlight_all": True}),
    "articles": (
        "body",
        {"max_fragments": 2, "min_words": 12, "max_words": 30, "fragment_delimiter": " … "},
    ),
}


def _ranked(queryset, search, kind):
    """The rows with their relevance to the search (rank), whether the words as typed match
    them (direct_match, False when only an alias does) and their headline."""
    text_field, headline_options = HEADLINES[kind]
    return queryset.annotate(
        rank=_rank(search),
        direct_match=ExpressionWrapper(
            Q(search_vector=search.direct_query), output_field=BooleanField()
        ),
        headline=SearchHeadline(
            text_field,
            search.query,
            config=SEARCH_CONFIG,
            start_sel=HIGHLIGHT_START,
            stop_sel=HIGHLIGHT_STOP,
            **headline_options,
        ),
    )


def _rank(search):
    return SearchRank(F("search_vector"), search.query)


def highlight(headline):
    """Safe HTML for a headline: the text escaped first, then the highlights marked."""
    escaped = escape(headline)
    return mark_safe(escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>"))


def suggest(text):
    """A person's or topic's name close to a misspelled query ("did you mean"), or None."""
    using = router.db_for_read(Person)
    with transaction.atomic(using=using):
        _set_word_similarity_threshold(using)
        closest = [
            _closest_name(Person.objects.using(using), text),
            _closest_name(Topic.objects.using(using), text),
        ]
    best = max(filter(None, closest), default=None)
    return best[1] if best else None


def _set_word_similarity_threshold(using):
    """pg_trgm's word-similarity operator (`name %> text`) made to select exactly the names
    close enough, so that the people's trigram index finds them: comparing every name took
    15-30 ms (issue #25). Set for this transaction only, so that it holds for the queries in
    it even behind a pooler that hands each transaction another connection."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(SUGGESTION_SIMILARITY)],
        )


def _closest_name(rows, text):
    """(similarity, name) of the row whose name is closest to the text, other than the text."""
    return (
        rows.annotate(similarity=TrigramWordSimilarity(text, "name"))
        .filter(name__trigram_word_similar=text, similarity__gte=SUGGESTION_SIMILARITY)
        .exclude(name__iexact=text)
        .order_by("-similarity", "name")
        .values_list("similarity", "name")
        .first()
    )


@dataclass
class ResultGroup:
    kind: str  # "claims", "quotes" or "articles"
    count: int
    page: object  # a Page of the group's rows (the first few when showing every kind)


def articles_found(search, kind):
    """The articles behind a search's results of `kind`: those found, those the quotes found
    are in, or those that report the claims found ("all": any of the three)."""
    claims = search_claims(Claim.objects.all(), search).values("pk")
    conditions = {
        "claims": Q(
            pk__in=Claim.articles.through.objects.filter(claim__in=claims).values("article")
        ),
        "quotes": Q(pk__in=search_quotes(Quote.objects.all(), search).values("article")),
        "articles": Q(pk__in=search_articles(Article.objects.all(), search).values("pk")),
    }
    kinds = RESULT_KINDS if kind == "all" else [kind]
    return Article.objects.filter(functools.reduce(operator.or_, (conditions[k] for k in kinds)))


PREVIEW_SIZE = 5  # rows of each kind when showing every kind
PAGE_SIZE = 20
RESULT_KINDS = ["claims", "quotes", "articles"]
# Each kind's rows as search results list them, and which of some rows a search finds.
LISTED = {
    # Results show each claim's source, not its topics (for_lists would prefetch them).
    "claims": lambda: Claim.objects.select_related("source").defer("search_vector"),
    # Texts and vectors are read by the headlines in SQL, not by the rows shown.
    "quotes": lambda: Quote.objects.select_related("speaker", "article").defer(
        "search_vector", "article__body", "article__search_vector"
    ),
    "articles": lambda: Article.objects.select_related("outlet").defer("body", "search_vector"),
}
MATCHING = {"claims": _claims_matching, "quotes": _matching, "articles": _matching}


def search_everything(search, *, kind="all", page_number=1):
    """Result groups for claims, quotes and articles: a count of each kind, and a page of rows
    of the chosen kind (or the first few of each). Per kind shown, its ranked ids with their
    count (_best_ranked) and its rows (plus prefetches); per kind only counted, a count. Each
    kind's on its own connection, at once (core.concurrent_reads). A page past the last of the
    chosen kind raises NoSuchPage."""
    return read_concurrently(
        [functools.partial(_result_group, name, search, kind, page_number) for name in RESULT_KINDS]
    )


def _result_group(name, search, kind, page_number):
    with _one_snapshot_on_one_core(LISTED[name]().model):
        return _counted_or_paged(name, search, kind, page_number)


@contextlib.contextmanager
def _one_snapshot_on_one_core(model):
    """A kind's queries in one transaction, which sees one snapshot (so that its count and its
    rows agree) and runs without PostgreSQL's parallel workers: the kinds are read at once, a
    core each on a small machine, and workers would only take the other kinds' cores (a
    parallel count of the 164,000 articles "NATO" finds slowed the whole search, issue #25).
    Inside a transaction already, the kinds are read one after the other on its connection,
    which sees one snapshot of its own."""
    using = router.db_for_read(model)
    if connections[using].in_atomic_block:
        yield
        return
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;"
            " SET LOCAL max_parallel_workers_per_gather = 0"
        )
        yield


def _counted_or_paged(name, search, kind, page_number):
    if kind in (name, "all"):
        number, size = (page_number, PAGE_SIZE) if kind == name else (1, PREVIEW_SIZE)
        page = _ranked_page(name, search, number, size)
        return ResultGroup(name, page.paginator.count, page)
    return ResultGroup(name, MATCHING[name](LISTED[name](), search).count(), None)


def _ranked_page(kind, search, number, per_page):
    """Page `number` of the rows the search finds, best first (by rank, then the newest): the
    ids of the page's rows, ranked, with the count of all (_best_ranked), then those rows by
    id. Only the ranking reads every row found (or every article with the word in the title);
    each row's joins, alias flag and headline are computed for the rows shown (issue #25)."""
    listed = LISTED[kind]()
    found = MATCHING[kind](listed.model.objects.all(), search)
    offset = (number - 1) * per_page
    ranked = _best_ranked(kind, found, search, offset, per_page)
    # With no row on this page, only a page past the last needs the count, for its message.
    count = ranked[0][1] if ranked else (found.count() if number > 1 else 0)
    paginator = page_of(range(count), number, per_page).paginator
    ids = [pk for pk, _ in ranked]
    shown = _ranked(listed.filter(pk__in=ids).order_by(), search, kind) if ids else []
    by_id = {row.pk: row for row in shown}
    # Read apart from the ids: a row deleted in between is left out, not a KeyError (500).
    return Page([by_id[pk] for pk in ids if pk in by_id], number, paginator)


def _best_ranked(kind, found, search, offset, limit):
    """[(id, how many rows were found)] of `limit` of the rows found from `offset`, best first.

    The articles one word finds fall in two tiers. ts_rank adds up the word's occurrences, in
    order, each at its weight (title 1.0, body 0.4; the title's words come first) over n² for
    the n-th, and divides by π²/6, the most that 1/n² adds up to: an article with the word in
    its title ranks at least 1/1.645 (0.61), one with it only in the body at most 0.4. So when
    the articles with the word in the title fill the page, only they are ranked, found by the
    titles' index, and the others only counted: "membership", in 35% of the bench's articles,
    ranked 70,000 articles for 5 (issue #25). With more words, aliases included, the tiers
    overlap (of two words ORed, one in the title scores 0.30 and both in the body up to 0.4;
    an AND scores by how near the words are): those searches, and the other kinds, rank every
    row found, as does a page past the articles with the word in the title (after ranking
    those: fewer than all found)."""
    if kind == "articles" and _is_one_word(search, found.db):
        # The search finds every article with the word in its title: the whole index need not
        # be read for them too (a bitmap of 70,000 articles for "membership").
        with_title = Article.objects.using(found.db).with_title_matching(search.query)
        in_title = _ranks(with_title, search)
        ranked = _best_first(in_title, offset, limit)
        if ranked and ranked[0][1] >= offset + limit:
            count = found.count()
            return [(pk, count) for pk, _ in ranked]
    return _best_first(_ranks(found, search), offset, limit)


def _ranks(rows, search):
    return rows.annotate(rank=_rank(search)).values_list("pk", "rank")


def _is_one_word(search, using):
    """Whether the search is one word, as PostgreSQL parses it: a single lexeme, with no
    operator, weight or prefix (a stop word alone parses to nothing)."""
    if search.aliases:
        return False
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(%s::regconfig, %s)::text", [SEARCH_CONFIG, search.text]
        )
        (parsed,) = cursor.fetchone()
    return ONE_LEXEME.fullmatch(parsed) is not None


def _best_first(ranked, offset, limit):
    """[(id, how many rows there are)] of `limit` of the (id, rank) rows from `offset`, by
    rank, highest first, then by id, highest first; in one scan. The ids and ranks are kept
    aside (a materialized CTE: 12 bytes a row), counted, and only the best offset + limit of
    them kept in order (a top-N heapsort). Counted by a window, every row found was sorted:
    a tenth to a sixth of the query for a word in 5% of a million claims (issue #25)."""
    sql, params = ranked.order_by().query.get_compiler(using=ranked.db).as_sql()
    with connections[ranked.db].cursor() as cursor:
        cursor.execute(
            f"WITH found (id, rank) AS MATERIALIZED ({sql})"
            " SELECT id, (SELECT count(*) FROM found) FROM found"
            " ORDER BY rank DESC, id DESC LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
        return cursor.fetchall()
