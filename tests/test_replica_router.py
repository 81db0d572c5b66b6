"""Read replicas: writes and every read that must see a write go to the primary."""

import importlib
import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse

from claims.models import Claim, Topic
from core import routers
from newsarchive import settings as project_settings

TWO_REPLICAS = ["replica_1", "replica_2"]
router = routers.PrimaryReplicaRouter()


@pytest.fixture
def with_replicas(monkeypatch):
    monkeypatch.setattr(routers, "replicas", lambda: TWO_REPLICAS)
    monkeypatch.setattr(routers, "reachable", lambda alias: True)
    monkeypatch.setattr(routers, "_down_until", {})


def reads_in_request(rf, request, after_write=False):
    """Where Topic reads go during a request through the middleware."""
    seen = {}

    def view(request):
        if after_write:
            router.db_for_write(Topic)
        seen["db"] = router.db_for_read(Topic)
        return HttpResponse()

    response = routers.PinToPrimaryMiddleware(view)(request)
    return seen["db"], response


def anonymous(request):
    request.user = AnonymousUser()
    return request


def test_without_replicas_everything_uses_the_primary(rf):
    assert routers.replicas() == []
    assert reads_in_request(rf, anonymous(rf.get("/claims/")))[0] == "default"


def test_analysts_reads_go_to_a_replica(rf, with_replicas):
    assert reads_in_request(rf, anonymous(rf.get("/claims/")))[0] in TWO_REPLICAS


def test_reads_outside_requests_go_to_the_primary(with_replicas):
    """manage.py commands and the queue's worker: a lagging replica could look empty to them."""
    seen = []
    outside = threading.Thread(target=lambda: seen.append(router.db_for_read(Topic)))
    outside.start()
    outside.join()
    assert seen == ["default"]


def test_writes_and_migrations_go_to_the_primary(with_replicas):
    assert router.db_for_write(Topic) == "default"
    assert router.allow_migrate("default", "claims")
    assert not router.allow_migrate("replica_1", "claims")


def test_a_signed_in_editor_reads_from_the_primary(rf, with_replicas, admin_user):
    request = rf.get("/claims/")
    request.user = admin_user
    assert reads_in_request(rf, request)[0] == "default"


def test_reads_after_a_write_in_the_same_request_use_the_primary(rf, with_replicas):
    assert reads_in_request(rf, anonymous(rf.get("/claims/")), after_write=True)[0] == "default"


def test_after_a_save_the_browser_reads_from_the_primary_for_a_while(rf, with_replicas):
    db, response = reads_in_request(rf, anonymous(rf.post("/admin/claims/claim/1/change/")))
    assert db == "default"
    cookie = response.cookies[routers.PIN_COOKIE]
    assert cookie["max-age"] == routers.PIN_SECONDS and cookie["httponly"]
    next_page = anonymous(rf.get("/claims/1/"))
    next_page.COOKIES[routers.PIN_COOKIE] = cookie.value
    assert reads_in_request(rf, next_page)[0] == "default"


def test_an_expired_or_forged_pin_cookie_reads_from_a_replica(rf, with_replicas):
    for value in ["0", "not-a-time"]:
        request = anonymous(rf.get("/claims/"))
        request.COOKIES[routers.PIN_COOKIE] = value
        assert reads_in_request(rf, request)[0] in TWO_REPLICAS


def test_the_pin_ends_with_the_request(rf, with_replicas):
    reads_in_request(rf, anonymous(rf.get("/claims/")), after_write=True)
    assert reads_in_request(rf, anonymous(rf.get("/claims/")))[0] in TWO_REPLICAS


def test_replica_urls_become_databases_that_tests_mirror(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS", "postgres://r1/db,postgres://r2/db?connect_timeout=9"
    )
    reloaded = importlib.reload(project_settings)
    try:
        assert reloaded.DATABASES["replica_1"]["HOST"] == "r1"
        assert reloaded.DATABASES["replica_2"]["TEST"] == {"MIRROR": "default"}
        # One that can't be reached is given up on soon (core.routers then reads the primary).
        assert reloaded.DATABASES["replica_1"]["OPTIONS"]["connect_timeout"] == 3
        assert reloaded.DATABASES["replica_2"]["OPTIONS"]["connect_timeout"] == 9
    finally:
        monkeypatch.delenv("DATABASE_REPLICA_URLS")
        importlib.reload(project_settings)


def test_a_request_reads_from_one_replica_and_an_object_from_where_it_came(rf, with_replicas):
    seen = []

    def view(request):
        seen.extend(router.db_for_read(Topic) for _ in range(20))
        topic = Topic(name="x")
        topic._state.db = "replica_2"
        seen.append(router.db_for_read(Topic, instance=topic))
        return HttpResponse()

    routers.PinToPrimaryMiddleware(view)(anonymous(rf.get("/claims/")))
    assert len(set(seen[:20])) == 1 and seen[-1] == "replica_2"


def test_an_editors_export_streams_from_the_primary(
    client, seed, admin_user, with_replicas, monkeypatch
):
    """The rows of a download are read as it streams, after the request: the database must be
    chosen while the request's routing still holds."""
    claims = Claim.objects.count()
    chosen = []
    route = routers.PrimaryReplicaRouter.db_for_read

    def recorded(self, model, **hints):
        alias = route(self, model, **hints)
        chosen.append((model.__name__, alias))
        return "default"  # the replica aliases are pretend ones here

    monkeypatch.setattr(routers.PrimaryReplicaRouter, "db_for_read", recorded)
    client.force_login(admin_user)
    routers._pinned.set(False)  # force_login wrote outside any request, which pinned this thread
    response = client.get("/claims/", {"format": "csv"})
    during_request = len(chosen)
    assert len(b"".join(response.streaming_content).splitlines()) == 1 + claims
    # Chosen during the request, for the editor: the primary; never again while streaming.
    assert {alias for model, alias in chosen if model == "Claim"} == {"default"}
    assert len(chosen) == during_request


def test_a_replica_that_cant_be_reached_is_left_out_for_a_while(rf, with_replicas, monkeypatch):
    tried = []
    monkeypatch.setattr(
        routers, "reachable", lambda alias: tried.append(alias) or alias != "replica_1"
    )
    for _ in range(10):
        assert reads_in_request(rf, anonymous(rf.get("/claims/")))[0] == "replica_2"
    assert tried.count("replica_1") == 1, "tried once, then left out"


def test_with_every_replica_down_reads_go_to_the_primary_then_back(rf, with_replicas, monkeypatch):
    down = set(TWO_REPLICAS)
    monkeypatch.setattr(routers, "reachable", lambda alias: alias not in down)
    monkeypatch.setattr(routers, "DOWN_SECONDS", 0.05)
    assert reads_in_request(rf, anonymous(rf.get("/claims/")))[0] == "default"
    down.clear()
    time.sleep(0.1)
    assert reads_in_request(rf, anonymous(rf.get("/claims/")))[0] in TWO_REPLICAS


def test_a_request_that_fell_back_to_the_primary_stays_there(rf, with_replicas, monkeypatch):
    monkeypatch.setattr(routers, "reachable", lambda alias: False)
    seen = []

    def view(request):
        seen.extend(router.db_for_read(Topic) for _ in range(5))
        return HttpResponse()

    routers.PinToPrimaryMiddleware(view)(anonymous(rf.get("/claims/")))
    assert seen == ["default"] * 5
