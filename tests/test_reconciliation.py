"""The reconciliation service speaks OpenRefine's protocol (Reconciliation Service API v0.2):
its manifest, batches of queries by GET and POST, suggest and preview services, each answer
checked against the specification's JSON schemas (tests/reconciliation_schemas/, written from
the specification; the manifest's `authentication`, a reference to Swagger's schema, is left
out, as the service has none). Names are matched with aliases and synonyms, in bounded queries.
Wikidata ids are checked for their form wherever editors enter them."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from referencing import Registry, Resource

from articles.models import Outlet, Person
from claims.models import Topic
from tests.factories import make_article, make_claim, make_outlet, make_person, make_topic
from tests.test_hostile_input import HOSTILE_VALUES

SCHEMAS = Path(__file__).parent / "reconciliation_schemas"
REGISTRY = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema))
    for schema in (json.loads(path.read_text()) for path in SCHEMAS.glob("*.json"))
)


def validate(instance, name):
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft7Validator(schema, registry=REGISTRY).validate(instance)


@pytest.fixture
def archive(db):
    return {
        "zelensky": make_person(
            name="Volodymyr Zelenskyy",
            aliases=["Zelensky", "Volodymyr Zelensky", "Wolodymyr Selenskyj"],
            description="President of Ukraine",
            wikidata_id="Q3881189",
        ),
        "stoltenberg": make_person(name="Jens Stoltenberg", description="NATO Secretary General"),
        "jens": make_person(name="Jens Stoltenberger", description="A namesake, nearly"),
        "outlet": make_outlet(name="Kyiv Independent", wikidata_id="Q110397397"),
        "topic": make_topic(name="Article 5", synonyms=["collective defense"]),
    }


def reconcile(client, queries, method="get"):
    validate(queries, "reconciliation-query-batch.json")
    response = getattr(client, method)("/reconcile/", {"queries": json.dumps(queries)})
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    validate(response.json(), "reconciliation-result-batch.json")
    return response.json()


def test_the_manifest_is_valid_and_names_the_services(client, db):
    response = client.get("/reconcile/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    validate(manifest, "manifest.json")
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "http://testserver/"
    assert manifest["schemaSpace"] == "http://testserver/reconcile/"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["person", "outlet", "topic"]
    assert manifest["view"]["url"] == "http://testserver/{{id}}/"
    assert manifest["preview"]["url"] == "http://testserver/reconcile/preview/?id={{id}}"
    suggest = manifest["suggest"]["entity"]
    assert suggest["service_url"] + suggest["service_path"] == (
        "http://testserver/reconcile/suggest/entity/"
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_batch_finds_people_by_name_and_alias_with_a_certain_match(client, archive, method):
    results = reconcile(
        client,
        {
            "q0": {"query": "Zelensky", "type": "person", "limit": 3},
            "q1": {"query": "wolodymyr  SELENSKYJ", "type": ["person"]},
            "q2": {"query": "Jens Stoltenberg", "type": "person", "type_strict": "should"},
            "q3": {"query": "Nobody Atall"},
        },
        method,
    )
    zelensky = archive["zelensky"]
    for key in ("q0", "q1"):
        (best,) = results[key]["result"]
        assert best == {
            "id": f"people/{zelensky.pk}",
            "name": "Volodymyr Zelenskyy",
            "description": "President of Ukraine",
            "score": 100,
            "match": True,
            "type": [{"id": "person", "name": "Person"}],
            "sameAs": "https://www.wikidata.org/entity/Q3881189",
        }
    exact, namesake = results["q2"]["result"]
    assert (exact["name"], exact["score"], exact["match"]) == ("Jens Stoltenberg", 100, True)
    assert namesake["name"] == "Jens Stoltenberger"
    assert 0 < namesake["score"] < 100 and namesake["match"] is False
    assert results["q3"] == {"result": []}


def test_a_name_two_records_share_is_no_certain_match(client, archive):
    make_person(name="Jens Stoltenberg", description="Another one")
    results = reconcile(client, {"q0": {"query": "Jens Stoltenberg", "limit": 1}})
    (best,) = results["q0"]["result"]
    assert best["score"] == 100 and best["match"] is False


def test_types_and_limits_choose_the_candidates(client, archive):
    results = reconcile(
        client,
        {
            "outlet": {"query": "kyiv independent"},
            "topic": {"query": "Collective Defense", "type": "topic"},
            "not_a_topic": {"query": "Kyiv Independent", "type": "topic"},
            "one": {"query": "Jens Stoltenberg", "limit": 1},
        },
    )
    (outlet,) = results["outlet"]["result"]
    assert outlet["id"] == f"outlets/{archive['outlet'].pk}"
    assert outlet["type"] == [{"id": "outlet", "name": "Outlet"}] and outlet["match"] is True
    assert outlet["sameAs"] == "https://www.wikidata.org/entity/Q110397397"
    (topic,) = results["topic"]["result"]
    assert (topic["name"], topic["match"]) == ("Article 5", True) and "sameAs" not in topic
    assert results["not_a_topic"] == {"result": []}
    assert [c["name"] for c in results["one"]["result"]] == ["Jens Stoltenberg"]


def test_a_batch_costs_one_query_per_type_whatever_its_size(client, archive):
    small = {"q0": {"query": "Zelensky"}}
    large = {f"q{n}": {"query": name} for n, name in enumerate(["Zelensky", "Jens", "Kyiv"] * 10)}
    for batch in (small, large):
        # A query each for people, outlets and topics.
        with CaptureQueriesContext(connection) as queries:
            reconcile(client, batch, "post")
        assert len(queries) == 3
    typed = {f"q{n}": {"query": "Zelensky", "type": "person"} for n in range(20)}
    with CaptureQueriesContext(connection) as queries:
        reconcile(client, typed)
    assert len(queries) == 1  # people only


@pytest.mark.parametrize(
    ("queries", "error"),
    [
        ("not json", "queries is not JSON."),
        ("[]", "queries is a JSON object of one or more queries."),
        ("{}", "queries is a JSON object of one or more queries."),
        ('{"q0": "Zelensky"}', "Query 'q0' is not a JSON object."),
        ('{"q0": {"query": 5}}', "Query 'q0': query is text of at most 500 characters."),
        ('{"q0": {"query": "a\\u0000b"}}', "Query 'q0': query is text of at most 500 characters."),
        ('{"q0": {"query": "a", "type": "Q5"}}', "Query 'q0': no type 'Q5' here;"),
        ('{"q0": {"query": "a", "type": []}}', "Query 'q0': type is a type's id or a list"),
        ('{"q0": {"query": "a", "limit": 0}}', "Query 'q0': limit is a whole number"),
        ('{"q0": {"query": "a", "limit": 1e9}}', "Query 'q0': limit is a whole number"),
        ('{"q0": {"query": "a", "limit": true}}', "Query 'q0': limit is a whole number"),
        ('{"q0": {"query": "a", "properties": {}}}', "Query 'q0': properties is a list."),
        (json.dumps({f"q{n}": {"query": "a"} for n in range(51)}), "A batch holds at most 50"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_malformed_batch_is_a_400_that_says_why(client, db, queries, error, method):
    response = getattr(client, method)("/reconcile/", {"queries": queries})
    assert response.status_code == 400
    (message,) = response.json()["errors"]["queries"]
    assert message.startswith(error)


def test_a_post_without_queries_is_a_400(client, db):
    response = client.post("/reconcile/", {})
    assert response.status_code == 400
    assert response.json() == {"errors": {"queries": ["This field is required."]}}


@pytest.mark.parametrize("method", ["put", "delete", "options", "trace"])
def test_the_service_answers_get_head_and_post_only(client, db, method):
    response = getattr(client, method)("/reconcile/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"


def test_suggest_completes_names_and_aliases_by_their_words(client, archive):
    response = client.get("/reconcile/suggest/entity/", {"prefix": "stolt"})
    assert response["Access-Control-Allow-Origin"] == "*"
    validate(response.json(), "suggest-entities-response.json")
    names = [found["name"] for found in response.json()["result"]]
    assert names == ["Jens Stoltenberg", "Jens Stoltenberger"]
    by_alias = client.get("/reconcile/suggest/entity/", {"prefix": "Selensk", "type": "person"})
    (found,) = by_alias.json()["result"]
    assert found["id"] == f"people/{archive['zelensky'].pk}"
    assert found["notable"] == [{"id": "person", "name": "Person"}]
    paged = client.get("/reconcile/suggest/entity/", {"prefix": "jens", "cursor": 1})
    assert [found["name"] for found in paged.json()["result"]] == ["Jens Stoltenberger"]
    punctuation = client.get("/reconcile/suggest/entity/", {"prefix": "%_*"})
    assert punctuation.json() == {"result": []}


def test_suggest_is_one_query(client, archive):
    with CaptureQueriesContext(connection) as queries:
        client.get("/reconcile/suggest/entity/", {"prefix": "j"})
    assert len(queries) == 1


def test_suggest_types_answers_the_services_types(client, db):
    response = client.get("/reconcile/suggest/type/", {"prefix": "pe"})
    validate(response.json(), "suggest-types-response.json")
    assert response.json() == {"result": [{"id": "person", "name": "Person"}]}


def test_suggest_needs_a_prefix(client, db):
    response = client.get("/reconcile/suggest/entity/")
    assert response.status_code == 400
    assert response.json() == {"errors": {"prefix": ["This field is required."]}}


def test_the_preview_is_a_small_card_openrefine_may_frame(client, archive):
    zelensky = archive["zelensky"]
    response = client.get("/reconcile/preview/", {"id": f"people/{zelensky.pk}"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert zelensky.get_absolute_url() in html and "Volodymyr Zelenskyy" in html
    assert "Also: Zelensky, Volodymyr Zelensky, Wolodymyr Selenskyj" in html
    assert 'href="https://www.wikidata.org/entity/Q3881189"' in html
    assert "style=" not in html and "<script" not in html


def test_the_manifests_view_and_preview_lead_to_the_records(client, archive):
    manifest = client.get("/reconcile/").json()
    topic_id = f"topics/{archive['topic'].pk}"
    page = client.get(manifest["view"]["url"].replace("{{id}}", topic_id), follow=True)
    assert (
        page.status_code == 200
        and page.redirect_chain[-1][0] == archive["topic"].get_absolute_url()
    )
    preview = client.get(manifest["preview"]["url"].replace("{{id}}", topic_id))
    assert preview.status_code == 200 and "collective defense" in preview.content.decode()


@pytest.mark.parametrize(
    ("entity_id", "status"),
    [("people/999999", 404), ("claims/1", 400), ("people/0", 400), ("people/1/", 400)],
)
def test_a_preview_of_no_entity_is_a_4xx(client, db, entity_id, status):
    assert client.get("/reconcile/preview/", {"id": entity_id}).status_code == status


def test_claim_pages_say_in_json_ld_which_wikidata_entities_they_name(client, archive):
    article = make_article(outlet=archive["outlet"])
    claim = make_claim(
        actors=[archive["zelensky"], archive["stoltenberg"]],
        topics=[archive["topic"]],
        articles=[article],
    )
    page = client.get(claim.get_absolute_url()).text
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S)[1])
    same_as = {author["name"]: author.get("sameAs") for author in data["author"]}
    assert same_as == {
        "Volodymyr Zelenskyy": "https://www.wikidata.org/entity/Q3881189",
        "Jens Stoltenberg": None,
    }
    (publisher,) = [item["publisher"] for item in data["appearance"]]
    assert publisher["sameAs"] == "https://www.wikidata.org/entity/Q110397397"
    assert data["about"] == [{"@type": "Thing", "name": "Article 5"}]


@pytest.mark.parametrize("value", ["Q42", "Q1", ""])
@pytest.mark.parametrize("model", [Person, Outlet, Topic])
def test_editors_may_give_a_wikidata_id(db, model, value):
    form = admin_form(model)({"wikidata_id": value})
    assert "wikidata_id" not in form.errors


# The last in fullwidth digits.
@pytest.mark.parametrize(
    "value", ["q42", "Q042", "Q", "42", "Q42 Q43", "wd:Q42", "Q-1", "Q\uff14\uff12"]
)
@pytest.mark.parametrize("model", [Person, Outlet, Topic])
def test_editors_are_told_what_a_wikidata_id_is(db, model, value):
    form = admin_form(model)({"wikidata_id": value})
    assert form.errors["wikidata_id"] == [
        "A Wikidata id is Q followed by digits, e.g. Q22686 (no link, no spaces)."
    ]


def admin_form(model):
    """The form class the admin makes for editing the model."""
    return admin.site._registry[model].get_form(RequestFactory().get("/"))


def test_hostile_names_in_a_batch_are_matched_never_a_5xx(client, archive):
    """The values of tests/test_hostile_input.py as names to match (that file sends them as the
    whole `queries` parameter): every batch of them is answered; a name no query may hold (too
    long, or with a NUL character) is a 400."""
    names = [name for name in HOSTILE_VALUES if len(name) <= 500]
    assert len(names) > 70
    for start in range(0, len(names), 50):
        batch = {str(n): {"query": name} for n, name in enumerate(names[start : start + 50])}
        response = client.post("/reconcile/", {"queries": json.dumps(batch)})
        assert response.status_code == 200, batch
        validate(response.json(), "reconciliation-result-batch.json")
    for refused in ["x" * 3000, "Zelensky\x00"]:
        response = client.post("/reconcile/", {"queries": json.dumps({"q0": {"query": refused}})})
        assert response.status_code == 400
