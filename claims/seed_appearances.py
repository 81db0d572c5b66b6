"""How well appearance proposals find the appearances curated in the seed corpus.

Leave one capture out: each seed capture is extracted afresh, as the archive extracts any text
capture, and matched (claims.matching) against every curated claim, each known by its statement
and by the curated appearances of the *other* captures, never of this one. Then:
- recall: the curated appearances of the capture proposed with their claim and a span that
  overlaps at least half of the curated words;
- precision: such proposals among all proposals at or above the threshold.

The claims are held in memory (InMemoryIndex) unless `index_for` says otherwise:
bench/appearance_recall.py matches them among a large archive's claims.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from articles.extraction import extract
from claims.matching import (
    DEFAULT_THRESHOLD,
    MEANING_WEIGHT,
    ClaimText,
    InMemoryIndex,
    Vocabulary,
    match,
)
from claims.models import SpellingVariant
from claims.seed_build import ANNOTATIONS, CAPTURES_DIR


@dataclass
class AppearanceEvaluation:
    curated: int = 0
    found: int = 0
    proposed: int = 0
    right: int = 0
    problems: list = field(default_factory=list)
    seconds: list = field(default_factory=list)  # of each capture's matching

    @property
    def recall(self):
        return self.found / self.curated if self.curated else 0.0

    @property
    def precision(self):
        return self.right / self.proposed if self.proposed else 0.0

    def report(self):
        return "\n".join(
            [
                *self.problems,
                f"appearances proposed: recall {self.recall:.0%} ({self.found}/{self.curated}), "
                f"precision {self.precision:.0%} ({self.right}/{self.proposed})",
            ]
        )


def evaluate_seed_appearances(
    *,
    threshold=DEFAULT_THRESHOLD,
    meaning_weight=MEANING_WEIGHT,
    annotations_path=ANNOTATIONS,
    captures_dir=CAPTURES_DIR,
    claim_pks=None,
    index_for=None,
):
    """`claim_pks`: the seed claims' pks, in the annotations' order (1, 2, … unless given);
    `index_for(claims, vocabulary)`: the index a capture is matched with, given the seed claims
    as it knows them (ClaimText, their appearances in this capture left out)."""
    annotations = yaml.safe_load(Path(annotations_path).read_text(encoding="utf-8"))
    claims = annotations["claims"]
    # The archive's spelling variants (its migrations install them) and the seed's people.
    vocabulary = Vocabulary.from_groups(
        [
            *SpellingVariant.objects.values_list("terms", flat=True),
            *([p["name"], *p.get("aliases", [])] for p in annotations["people"].values()),
        ]
    )
    sources = annotations["sources"]
    claim_pks = claim_pks or range(1, len(claims) + 1)
    index_for = index_for or _in_memory_index
    evaluation = AppearanceEvaluation()
    for article_key, article in annotations["articles"].items():
        raw = (Path(captures_dir) / article["capture"]).read_bytes()
        body = extract(raw, content_type="text/plain", require_article=False).text
        started = time.perf_counter()
        index = index_for(
            [
                ClaimText(
                    pk,
                    claim["statement"],
                    tuple(
                        appearance["text"]
                        for other, appearance in claim.get("appearances", {}).items()
                        if other != article_key
                    ),
                    sources.get(claim.get("source"), {}).get("publisher", ""),
                )
                for pk, claim in zip(claim_pks, claims, strict=True)
            ],
            vocabulary,
        )
        proposals = match(body, index, threshold=threshold, meaning_weight=meaning_weight)
        evaluation.seconds.append(time.perf_counter() - started)
        curated = {
            pk: claim["appearances"][article_key]["text"]
            for pk, claim in zip(claim_pks, claims, strict=True)
            if article_key in claim.get("appearances", {})
        }
        evaluation.curated += len(curated)
        evaluation.proposed += len(proposals)
        by_claim = {proposal.claim: proposal for proposal in proposals}
        for pk, text in curated.items():
            start = body.find(text)
            proposal = by_claim.get(pk)
            if proposal and _overlap(proposal, start, start + len(text)) * 2 >= len(text):
                evaluation.found += 1
                evaluation.right += 1
            elif proposal:
                evaluation.problems.append(
                    f"- elsewhere: claim {pk} in {article_key}, proposed “{proposal.text[:70]}”"
                )
            else:
                evaluation.problems.append(f"- missed: claim {pk} in {article_key}: “{text[:70]}”")
        for proposal in proposals:
            if proposal.claim not in curated:
                evaluation.problems.append(
                    f"- not curated: claim {proposal.claim} in {article_key} "
                    f"({proposal.score:.2f}): “{proposal.text[:70]}”"
                )
    return evaluation


def _in_memory_index(claims, vocabulary):
    return InMemoryIndex(claims).with_vocabulary(vocabulary)


def _overlap(proposal, start, end):
    return max(0, min(proposal.end, end) - max(proposal.start, start))
