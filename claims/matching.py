"""Which claims a text reports, and in which of its words: the matching behind appearance
proposals (claims.appearance_proposals).

The way fact-checkers' claim matching works (Full Fact, Meedan Check; CLEF CheckThat! task 2):
every sentence of the text is compared with every claim the archive holds, in two ways, and the
two scores are combined.

- Words: the share of the claim's content words (Snowball stems, as PostgreSQL's English search
  stems them) that the sentence has, each weighted by how rare it is among the archive's claims
  (IDF, as BM25 weighs terms) and counted by its closest word in the sentence: fully for the same
  stem, in part for a word whose vector is near, by how far their cosine stands above
  WORD_SIMILARITY_FLOOR ("expand" and "expansion" 0.78 count 0.72, "east" and "eastward" 0.86
  count 0.82; "plans" and "wants" 0.27, next to nothing).
- Meaning: the cosine of the two sentences' static embeddings. Both vectors come from
  WordLlama's 256-dimension "l2_supercat" model, whose weights ship inside the `wordllama`
  package: nothing is downloaded, it runs on CPU in milliseconds.

A claim is compared through its statement and through the words articles already reported it in
(its appearances): a new article often tells it the way another did. So "weighing an
arrangement with Putin under which the alliance would pledge not to expand further east" is found
to report "Trump is considering a potential deal with Putin in which NATO would commit to no
further eastward expansion". Before either comparison,
the spellings the archive knows as one (SpellingVariant: Kiev and Kyiv) and people's aliases
(Zelensky, Zelenskyy) are written in one form. A claim is proposed at most once per text, in
the sentence that matches it best, when that sentence scores at least the threshold; evaluation
(claims.seed_appearances) chose the weights and the threshold on the seed corpus.

Looking through 100,000 claims for every sentence would be slow: a first pass takes, for each
sentence, the claims whose statement vectors are nearest (a matrix product over short vectors
the database keeps, see ClaimIndex), and only those are scored in full. Among the seed claims
alone, or with 100,000 others, it finds the same appearances but one (bench/appearance_recall.py).
"""

import functools
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import snowballstemmer

from articles.proposals import sentence_spans

# How the two scores combine, and where a proposal starts: chosen by measurement on the seeds.
MEANING_WEIGHT = 0.2
DEFAULT_THRESHOLD = 0.42
# Word vectors less similar than this are different words ("deal" and "weather" are near 0);
# above it, a word counts in proportion to how far above.
WORD_SIMILARITY_FLOOR = 0.2
# The first pass keeps this many claims per sentence, and shorter vectors for it. Among
# 100,000 claims, 64 dimensions and 20 claims lost 5 of the 42 seed appearances found among the
# seed claims alone; 128 and 50 lose none (bench/appearance_recall.py).
CANDIDATES_PER_SENTENCE = 50
SHORT_DIMENSIONS = 128
# The model and the length of its vectors that the first pass compares: a stored vector made
# otherwise is made again.
MODEL_NAME = f"wordllama l2_supercat 256, first {SHORT_DIMENSIONS}"
# Sentences shorter than this many words report no claim ("Read more.").
MIN_PASSAGE_WORDS = 5

WORD = re.compile(r"\w+(?:[’']\w+)*")
STOP_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    a an the and or but nor of to in on at by for with from into onto as than that this these
    those is are was were be been being has have had do does did will would could should may
    might can shall must it its it's he she they them their his her him we us our you your i me
    my who whom whose which what when where while why how not no also so if then there here
    about over under after before since until up down out off again once all any each both
    some such only own same other more most very too just said says say according report
    reported reports told tells
    """,
    )
)


@dataclass(frozen=True)
class ClaimText:
    """What the matcher knows of a claim: its statement and the words articles reported it in."""

    pk: int
    statement: str
    reported_as: tuple = ()  # texts of its appearances
    source_publisher: str = ""


@dataclass
class Match:
    claim: int
    start: int
    end: int
    text: str
    score: float
    meaning: float = 0.0
    words: float = 0.0

    def as_json(self):
        return {"claim": self.claim, "start": self.start, "end": self.end, "text": self.text,
                "score": round(self.score, 3)}  # fmt: skip


@dataclass
class Vocabulary:
    """Words the archive knows as one: each maps to the form texts are compared in."""

    canonical: dict = field(default_factory=dict)  # lower-case term -> its group's first term

    @classmethod
    def from_groups(cls, groups):
        """`groups` are lists of names for one thing, its usual form first (Kyiv, Kiev)."""
        canonical = {}
        for terms in groups:
            # The usual form too, so that a name containing an alias is read whole: "Donald
            # Trump" stays as it is, not "Donald Donald Trump" after its alias "Trump".
            for term in terms:
                if term.strip():
                    canonical[term.lower()] = terms[0]
        return cls(canonical)

    @functools.cached_property
    def _pattern(self):
        return _terms_pattern(frozenset(self.canonical)) if self.canonical else None

    def one_form(self, text):
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda found: self.canonical[found.group().lower()], text)


@functools.lru_cache(maxsize=4)
def _terms_pattern(terms):
    """A pattern that finds the (lower-case) terms, longest first ("Vladimir Zelensky" before
    "Vladimir"), made once for a process: from the 5,000 names of a large archive it takes a
    fifth of a second. Terms that share a beginning share a branch (a trie): an alternation of
    those names, tried one by one, took 2 ms a sentence (bench/appearance_recall.py)."""
    trie = {}
    for term in terms:
        node = trie
        for character in term:
            node = node.setdefault(character, {})
        node[""] = {}  # a term ends here
    return re.compile(r"(?<!\w)" + _trie_pattern(trie) + r"(?!\w)", re.IGNORECASE)


def _trie_pattern(node):
    """The pattern of a trie's terms: characters are its keys, "" marks where a term ends."""
    branches = [re.escape(char) + _trie_pattern(child) for char, child in node.items() if char]
    if "" in node:
        # Optional and greedy: the longer term first, the shorter if the longer is not there.
        return "(?:" + "|".join(branches) + ")?" if branches else ""
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


@functools.cache
def _model():
    # Imported here: loading the model takes a third of a second, only when something is matched.
    import wordllama

    package = Path(wordllama.__file__).parent
    # The package ships the weights and the tokenizer; disable_download keeps it from ever
    # reaching for the network (the cache folder is the package's own, where its tokenizer is).
    return wordllama.WordLlama.load(cache_dir=package, disable_download=True)


def embed(texts):
    """Unit vectors (float32, one row a text) of the texts' meanings."""
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    vectors = _model().embed(list(texts), norm=True)
    return np.asarray(vectors, dtype=np.float32)


def short_vectors(vectors):
    """The first-pass form of vectors: their first dimensions, as unit vectors in float16 (the
    model is trained so that its leading dimensions carry most of the meaning)."""
    short = vectors[:, :SHORT_DIMENSIONS]
    norms = np.linalg.norm(short, axis=1, keepdims=True)
    return (short / np.where(norms == 0, 1, norms)).astype(np.float16)


# A stemmer keeps state while it stems: one a thread (gunicorn's workers serve with threads).
_stemmers = threading.local()


@functools.lru_cache(maxsize=100_000)
def _stem(word):
    """Cached: the same words come back in every claim and capture, and the pure-Python stemmer
    took a third of a capture's matching at 100,000 claims (bench/appearance_proposals.py)."""
    if not hasattr(_stemmers, "english"):
        _stemmers.english = snowballstemmer.stemmer("english")
    return _stemmers.english.stemWord(word)


@dataclass
class Passage:
    start: int
    end: int
    text: str


def passages(text):
    """The text's sentences, with their offsets, white space trimmed; paragraph breaks end one."""
    found = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        stripped = sentence.strip()
        if len(WORD.findall(stripped)) < MIN_PASSAGE_WORDS:
            continue
        first = start + (len(sentence) - len(sentence.lstrip()))
        found.append(Passage(first, first + len(stripped), stripped))
    return found


class InMemoryIndex:
    """Claims held in memory: for evaluation, tests and small archives."""

    def __init__(self, claims):
        self.claims = {claim.pk: claim for claim in claims}
        self.pks = np.array(list(self.claims), dtype=np.int64)
        self.vocabulary = Vocabulary()
        self._vectors = None

    def with_vocabulary(self, vocabulary):
        self.vocabulary = vocabulary
        return self

    def short_vectors(self):
        if self._vectors is None:
            self._vectors = short_vectors(embed([c.statement for c in self.claims.values()]))
        return self.pks, self._vectors

    def claim_texts(self, pks):
        return [self.claims[pk] for pk in pks if pk in self.claims]

    def word_shares(self):
        """Counted among all its claims, statements and appearances."""
        texts = (
            [self.vocabulary.one_form(t) for t in (c.statement, *c.reported_as)]
            for c in self.claims.values()
        )
        return WordShares.of([[_content_words(t) for t in claim_texts] for claim_texts in texts])


@dataclass
class WordShares:
    """The share of an archive's claims that use each word (by its stem), for weighing words by
    how rare they are (IDF); a word not listed is taken to be in `rarest` of them."""

    shares: dict
    rarest: float

    @classmethod
    def of(cls, claim_words):
        """The shares among these claims (each a list of its texts' {stem: word})."""
        claims_with = {}
        for texts in claim_words:
            for stem in set().union(*texts):
                claims_with[stem] = claims_with.get(stem, 0) + 1
        count = max(len(claim_words), 1)
        return cls({stem: n / count for stem, n in claims_with.items()}, 1 / count)

    def rarity(self, stem):
        return math.log(1 + 1 / self.shares.get(stem, self.rarest))


def match(text, index, *, threshold=DEFAULT_THRESHOLD, meaning_weight=MEANING_WEIGHT):
    """The claims the text reports, each once, in the sentence that matches it best, best first."""
    found = passages(text)
    if not found:
        return []
    vocabulary = index.vocabulary
    passage_vectors = embed([vocabulary.one_form(p.text) for p in found])
    # The first pass compares the sentences as written with the statements as written (whose
    # vectors the database keeps, whatever spellings and aliases the archive learns later).
    candidates = _nearest(embed([p.text for p in found]), *index.short_vectors())
    claims = index.claim_texts(candidates)
    if not claims:
        return []
    best = {}
    passage_words = [_content_words(vocabulary.one_form(p.text)) for p in found]
    texts = [[vocabulary.one_form(t) for t in (c.statement, *c.reported_as)] for c in claims]
    claim_words = [[_content_words(t) for t in claim_texts] for claim_texts in texts]
    vectors = embed([t for claim_texts in texts for t in claim_texts])
    # Words weighed among the whole archive's claims: among the candidates only, chosen for
    # being near the text, the text's own words would seem common and the rest rare, and a
    # claim told in other words would lose (bench/appearance_recall.py).
    shares = index.word_shares() or WordShares.of(claim_words)
    words = _WordSimilarities(passage_words, claim_words, shares)
    first = 0
    for claim, claim_texts, text_words in zip(claims, texts, claim_words, strict=True):
        claim_vectors, first = vectors[first : first + len(claim_texts)], first + len(claim_texts)
        meaning = (passage_vectors @ claim_vectors.T).max(axis=1)
        wording = np.max([words.coverage(one) for one in text_words], axis=0)
        scores = meaning_weight * meaning + (1 - meaning_weight) * wording
        at = int(scores.argmax())
        if scores[at] >= threshold:
            passage = found[at]
            best[claim.pk] = Match(
                claim.pk, passage.start, passage.end, passage.text,
                float(scores[at]), float(meaning[at]), float(wording[at]),
            )  # fmt: skip
    return sorted(best.values(), key=lambda m: (-m.score, m.start))


def _content_words(text):
    """The text's content words by their stems: {stem: the word as first written}."""
    words = {}
    for word in WORD.findall(text):
        key = word.lower().replace("’", "'")
        if key not in STOP_WORDS and len(key) > 1:
            words.setdefault(_stem(key), word)
    return words


class _WordSimilarities:
    """How well each passage covers a claim's content words: each word counts by how rare it is
    among the archive's claims (IDF, from `shares`) and by its closest word in the passage: the
    same stem counts fully, a word whose vector is near ("expansion" and "expand") in part, by
    how far their cosine stands above WORD_SIMILARITY_FLOOR."""

    def __init__(self, passage_words, claim_words, shares):
        stems = {}
        for words in [*passage_words, *(w for texts in claim_words for w in texts)]:
            for stem, word in words.items():
                stems.setdefault(stem, word)
        self.index = {stem: i for i, stem in enumerate(stems)}
        vectors = embed(list(stems.values()))
        similar = vectors @ vectors.T
        floor = WORD_SIMILARITY_FLOOR
        similar = np.clip((similar - floor) / (1 - floor), 0, 1)
        np.fill_diagonal(similar, 1)
        # For each passage, each stem's best similarity to one of the passage's words.
        self.best = np.stack(
            [
                similar[:, [self.index[s] for s in words]].max(axis=1)
                if words
                else np.zeros(len(stems))
                for words in passage_words
            ]
        )
        self.rarity = np.array([shares.rarity(stem) for stem in stems])

    def coverage(self, words):
        """Per passage, the share of the (claim's) words it covers."""
        if not words:
            return np.zeros(len(self.best))
        columns = [self.index[stem] for stem in words]
        weights = self.rarity[columns]
        return self.best[:, columns] @ weights / weights.sum()


def _nearest(passage_vectors, pks, claim_vectors):
    """The pks of the claims nearest to any passage (the first pass)."""
    if not len(pks):
        return []
    similarities = short_vectors(passage_vectors).astype(np.float32) @ claim_vectors.T.astype(
        np.float32
    )
    keep = min(CANDIDATES_PER_SENTENCE, len(pks))
    nearest = np.argpartition(-similarities, keep - 1, axis=1)[:, :keep]
    return [int(pk) for pk in np.unique(pks[nearest.ravel()])]
