"""Loading the seed corpus into a new archive."""

from django.core.management import call_command

from articles.models import Article
from claims.seed_build import SEED_FIXTURE


def load_seed_if_empty(fixture=SEED_FIXTURE):
    """Load the seed corpus into an empty archive only, so that a restart never overwrites what
    editors changed. Returns whether it loaded."""
    if not fixture.exists() or Article.objects.exists():
        return False
    call_command("loaddata", str(fixture), verbosity=0)
    return True
