"""The editors' roles, pinned: a permission gained or lost by accident fails here."""

import pytest
from django.contrib.auth.models import Group

from core.roles import ARCHIVIST, EDITOR

pytestmark = pytest.mark.django_db

RECORDS = {
    "articles": ["outlet", "person", "article", "capture", "revisit", "quote", "quoteproposal"],
    "watches": ["watch", "host"],
    "claims": [
        "topic",
        "source",
        "spellingvariant",
        "claim",
        "annotation",
        "claimactor",
        "appearance",
        "appearanceproposal",
        "claimvector",
    ],
}
HISTORIES = {
    "articles": ["historicalperson", "historicalquote"],
    "claims": [
        "historicaltopic", "historicalsource", "historicalclaim", "historicalclaim_topics",
        "historicalclaim_articles", "historicalclaim_evidence", "historicalannotation",
        "historicalclaimactor", "historicalappearance", "historicalsource_quotes",
        "historicalappearanceproposal", "historicalappearanceproposal_actors",
    ],
}  # fmt: skip


def permissions(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{permission.content_type.app_label}.{permission.codename}"
        for permission in group.permissions.select_related("content_type")
    }


def test_editors_curate_claims_but_delete_nothing_but_a_claims_actor_or_appearance():
    assert permissions(EDITOR) == {
        "articles.view_article", "articles.add_outlet", "articles.view_outlet",
        "articles.add_capture", "articles.view_capture", "articles.view_revisit",
        "articles.add_person", "articles.change_person", "articles.view_person",
        "articles.add_quote", "articles.change_quote", "articles.view_quote",
        "articles.change_quoteproposal", "articles.view_quoteproposal",
        "claims.add_claim", "claims.change_claim", "claims.view_claim",
        "claims.add_claimactor", "claims.change_claimactor", "claims.delete_claimactor",
        "claims.view_claimactor",
        "claims.add_appearance", "claims.change_appearance", "claims.delete_appearance",
        "claims.view_appearance",
        "claims.change_appearanceproposal", "claims.view_appearanceproposal",
        "claims.add_annotation", "claims.view_annotation",
        "claims.add_topic", "claims.change_topic", "claims.view_topic",
        "claims.add_source", "claims.change_source", "claims.view_source",
        "claims.add_spellingvariant", "claims.change_spellingvariant",
        "claims.view_spellingvariant",
        # What readers follow and whether it was sent; never an address (alerts.admin).
        "alerts.view_subscription", "alerts.view_delivery",
        "watches.add_watch", "watches.change_watch", "watches.view_watch",
    }  # fmt: skip


def test_archivists_may_do_everything_to_records_and_only_read_history():
    records = {
        f"{app}.{action}_{model}"
        for app, models in RECORDS.items()
        for model in models
        for action in ["add", "change", "delete", "view"]
    }
    histories = {f"{app}.view_{model}" for app, models in HISTORIES.items() for model in models}
    assert permissions(ARCHIVIST) == records | histories
