from pathlib import Path

import pytest
from django.core.management import call_command

from claims.seed_build import SEED_FIXTURE
from core import concurrent_reads
from tests import factories
from tests.capture_pages import serve_site
from tests.servers import temporary_folder


@pytest.fixture
def tmp_path():
    """A fresh folder for the test, removed after it (see servers.temporary_folder)."""
    with temporary_folder() as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's, with the connections of concurrent reads closed before the test
    database is dropped."""
    yield
    concurrent_reads.close_connections()


@pytest.fixture
def seed(db):
    """The seed corpus, as `make run` loads it."""
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)


@pytest.fixture
def archive(db):
    """A small archive with one of everything, linked the way the seed corpus is."""
    outlet = factories.make_outlet(name="Euromaidan Press")
    roberts = factories.make_person(name="Kevin Roberts", description="Heritage Foundation")
    zelensky = factories.make_person(name="Volodymyr Zelensky", aliases=["Zelenskyy"])
    article = factories.make_article(outlet=outlet, title="Trump considers NATO deal")
    quote = factories.make_quote(
        article, "I would expect a very quick deal to end the conflict", speaker=roberts
    )
    topic = factories.make_topic(name="NATO expansion", synonyms=["NATO enlargement"])
    source = factories.make_source(publisher="Politico", title="Politico report")
    claim = factories.make_claim(
        statement="Trump would make a deal with Putin to halt NATO expansion.",
        actors=[roberts],
        topics=[topic],
        articles=[article],
        evidence=[quote],
        source=source,
        notes="Two experts, one anonymous.",
    )
    return {
        "outlet": outlet,
        "person": roberts,
        "other_person": zelensky,
        "article": article,
        "quote": quote,
        "topic": topic,
        "source": source,
        "claim": claim,
    }


@pytest.fixture
def local_site():
    """A web server on 127.0.0.1 serving the pages a test puts in it."""
    with serve_site() as site:
        yield site


@pytest.fixture
def loopback_allowed(settings):
    """CAPTURE_ALLOW_LOOPBACK=true, as the tests' environment would set it."""
    settings.CAPTURE_ALLOW_LOOPBACK = True
