"""Recall and precision of appearance proposals when the seed claims sit among a large archive's
(issue #22): does the first pass, or weighing words among the candidates only, lose what the seed
evaluation finds?

    .venv/bin/python bench/appearance_recall.py [--claims 100000] [--reuse]

It builds (or with --reuse keeps) the synthetic archive of bench/appearance_proposals.py, then
runs the seed evaluation (claims.seed_appearances: leave one capture out) twice: with the 36 seed
claims alone in memory, as `manage.py evaluate_appearance_proposals` does, and with them inserted
among the archive's claims (in a transaction rolled back at the end) and matched through the
database's index (ClaimIndex), each still known by its curated appearances in the other captures
only. It prints both evaluations, the proposals of synthetic claims, and the time each capture's
matching took (warm: the model loaded, the short vectors stored). Run one benchmark at a time.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appearance_proposals import rolled_back, synthetic_archive


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--claims", type=int, default=100_000, help="corpus size")
    parser.add_argument("--seed", type=int, default=1, help="the corpus's seed")
    parser.add_argument("--reuse", action="store_true", help="keep a corpus built earlier")
    options = parser.parse_args()
    with synthetic_archive(options):
        run()


def run():
    import django

    django.setup()
    from claims.appearance_proposals import ClaimIndex
    from claims.models import Claim
    from claims.seed_appearances import evaluate_seed_appearances

    print(f"Load average before: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs.", flush=True)
    alone = evaluate_seed_appearances()
    ClaimIndex().short_vectors()  # makes the archive's vectors once (kept) if it has none yet
    with rolled_back():
        seed_pks = insert_seed_claims()
        ClaimIndex().short_vectors()  # and the seed claims': every capture is timed warm
        among = evaluate_seed_appearances(claim_pks=seed_pks, index_for=archive_with_seeds)
        claims = Claim.objects.count()
    problems = [problem for problem in among.problems if not _synthetic(problem, seed_pks)]
    synthetic = len(among.problems) - len(problems)
    print(f"\nAmong {claims:,} claims, synthetic ones aside:", *problems, sep="\n")
    for label, evaluation in (("36 seed claims alone", alone), (f"{claims:,} claims", among)):
        print(
            f"{label}: {evaluation.report().splitlines()[-1]}; a capture matched in median "
            f"{statistics.median(evaluation.seconds):.2f} s (max {max(evaluation.seconds):.2f})"
        )
    # Synthetic statements are words of the seed captures drawn at random ("To for and also to
    # to and alliance."): a sentence with their few content words matches them, as it would a
    # real claim that short. What they say of real precision is little.
    seed_proposed = among.proposed - synthetic
    print(
        f"{synthetic} of the proposals are of synthetic claims; precision among the seed claims' "
        f"proposals {among.right / seed_proposed:.0%} ({among.right}/{seed_proposed})."
    )
    print(f"Load average after: {os.getloadavg()[0]:.2f} (other processes share the CPUs).")


def insert_seed_claims():
    """The seed claims' pks, in the annotations' order, as new claims of the archive."""
    import yaml

    from claims.models import Claim
    from claims.seed_build import ANNOTATIONS

    annotations = yaml.safe_load(Path(ANNOTATIONS).read_text(encoding="utf-8"))
    created = Claim.objects.bulk_create(
        Claim(statement=claim["statement"]) for claim in annotations["claims"]
    )
    return [claim.pk for claim in created]


def archive_with_seeds(seeds, seed_vocabulary):
    """The archive's index (ClaimIndex), in which the seed claims are known by `seeds`: their
    appearances' texts come from the annotations, less the capture under test."""
    from claims.appearance_proposals import ClaimIndex
    from claims.matching import Vocabulary

    # Defined here: claims' modules can be imported only once Django is set up.
    class Index(ClaimIndex):
        def __init__(self):
            super().__init__()
            self.seeds = {claim.pk: claim for claim in seeds}
            self.vocabulary = Vocabulary({**self.vocabulary.canonical, **seed_vocabulary.canonical})

        def claim_texts(self, pks):
            others = super().claim_texts([pk for pk in pks if pk not in self.seeds])
            return [*others, *(self.seeds[pk] for pk in pks if pk in self.seeds)]

    return Index()


def _synthetic(problem, seed_pks):
    if not problem.startswith("- not curated: claim "):
        return False
    return int(problem.split()[4]) not in seed_pks


if __name__ == "__main__":
    main()
