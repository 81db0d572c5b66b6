"""How well the archive's quote proposals find the quotes curated in the seed corpus.

Each seed capture is archived afresh: its text extracted as the archive extracts any text capture
(articles.extraction, with no curated headline to go on), its quotations proposed
(articles.proposals) with the seed's people as the people the archive knows. The proposals are
then compared with the quotes fixtures/annotations.yaml holds:
- span: the curated quote is proposed with exactly its start and end in the extracted text;
- speaker: the proposed speaker of such a quote is the curated one. A curated quote without a
  person (the agency, an anonymous source) is right only when the proposal names no one.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from articles.extraction import extract
from articles.proposals import KnownPerson, propose_quotations
from claims.seed_build import ANNOTATIONS, CAPTURES_DIR


@dataclass
class SeedEvaluation:
    quotes: int = 0
    exact_spans: int = 0
    right_speakers: int = 0
    problems: list = field(default_factory=list)  # one line per quote missed or misattributed

    @property
    def span_recall(self):
        return self.exact_spans / self.quotes

    @property
    def speaker_accuracy(self):
        """Of the quotes proposed with their exact span, the share with the right speaker."""
        return self.right_speakers / self.exact_spans if self.exact_spans else 0.0

    def report(self):
        return "\n".join(
            [
                f"Curated seed quotes: {self.quotes}",
                f"Proposed with their exact span: {self.exact_spans} "
                f"({self.span_recall:.1%}; target at least 90%)",
                f"  of which with the right speaker: {self.right_speakers} "
                f"({self.speaker_accuracy:.1%}; target at least 75%)",
                *self.problems,
            ]
        )


def evaluate_seed_proposals(annotations_path=ANNOTATIONS, captures_dir=CAPTURES_DIR):
    annotations = yaml.safe_load(Path(annotations_path).read_text(encoding="utf-8"))
    people = {
        key: KnownPerson(pk, entry["name"], tuple(entry.get("aliases", [])))
        for pk, (key, entry) in enumerate(annotations["people"].items(), start=1)
    }
    evaluation = SeedEvaluation()
    for article_key, article in annotations["articles"].items():
        raw = (Path(captures_dir) / article["capture"]).read_bytes()
        body = extract(raw, content_type="text/plain", require_article=False).text
        by_span = {(p.start, p.end): p for p in propose_quotations(body, people.values())}
        for quote_key, quote in article.get("quotes", {}).items():
            evaluation.quotes += 1
            start = body.find(quote["text"])
            proposal = by_span.get((start, start + len(quote["text"])))
            where = f"{article_key} / {quote_key}"
            if start == -1 or proposal is None:
                evaluation.problems.append(f"- span not proposed: {where}")
                continue
            evaluation.exact_spans += 1
            curated = people.get(quote.get("speaker"))
            if proposal.person == curated and (curated or not proposal.new_speaker):
                evaluation.right_speakers += 1
            else:
                proposed = proposal.speaker_name or proposal.new_speaker or "no one"
                named = curated.name if curated else "no one"
                evaluation.problems.append(f"- speaker {proposed}, curated {named}: {where}")
    return evaluation
