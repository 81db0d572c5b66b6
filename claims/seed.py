"""Loading the seed corpus into a new archive."""

from django.core.management import call_command

from articles.models import Article, Person, Quote
from claims.corpus import holds_real_articles
from claims.models import Annotation, Appearance, Claim, ClaimActor, Source, Topic
from claims.seed_build import SEED_FIXTURE
from core.versions import record_unrecorded

# What versioned pages read from history (claims.versions); a fixture leaves it no records.
RECORDED_MODELS = [Person, Quote, Topic, Source, Claim, ClaimActor, Appearance, Annotation]


def load_seed_if_empty(fixture=SEED_FIXTURE):
    """Load the seed corpus into an empty archive only, so that a restart never overwrites what
    editors changed. Returns whether it loaded."""
    if not fixture.exists() or Article.objects.exists():
        return False
    call_command("loaddata", str(fixture), verbosity=0)
    record_first_versions()
    return True


def record_first_versions():
    """Record in history every row that has no record yet (loaded from a fixture), so that
    version 1 of each has its permalink; returns how many were recorded. A synthetic archive
    (generate_corpus) is left without: it is for measuring, not citing, and recording a million
    claims would hold up every `serve` of a benchmark for many minutes."""
    if not holds_real_articles():
        return 0
    return sum(record_unrecorded(model) for model in RECORDED_MODELS)
