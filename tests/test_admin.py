"""Every model is in the admin, searchable and filterable, and its forms validate."""

import pytest
from django.contrib import admin
from django.urls import reverse

from articles.models import Article, Capture, Outlet, Person, Quote
from claims.models import Claim, Source, Topic

pytestmark = pytest.mark.django_db

MODELS = [Outlet, Article, Capture, Person, Quote, Claim, Topic, Source]


@pytest.mark.parametrize("model", MODELS)
def test_every_model_is_registered_with_search_and_filters(model):
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields


@pytest.mark.parametrize("model", MODELS)
def test_each_changelist_searches(admin_client, archive, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = admin_client.get(url, {"q": "NATO"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_each_change_and_add_page_renders(admin_client, archive, model):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    instance = model.objects.first()
    assert admin_client.get(reverse(f"{name}_change", args=[instance.pk])).status_code == 200
    # An article is added with its first capture, on the page that archives captures.
    assert admin_client.get(reverse(f"{name}_add"), follow=True).status_code == 200


def test_the_claim_changelist_filters_by_status_topic_and_outlet(admin_client, archive):
    url = reverse("admin:claims_claim_changelist")
    response = admin_client.get(
        url,
        {
            "status__exact": "reported",
            "topics__id__exact": archive["topic"].pk,
            "articles__outlet__id__exact": archive["outlet"].pk,
        },
    )
    assert response.status_code == 200
    assert archive["claim"].statement[:40] in response.text


def test_a_quote_whose_words_are_not_at_its_offsets_is_a_form_error(admin_client, archive):
    response = admin_client.post(
        reverse("admin:articles_quote_add"),
        {
            "article": archive["article"].pk,
            "speaker_label": "an anonymous expert",
            "text": "words that are not there",
            "start_offset": 0,
            "end_offset": 24,
            "occasion_date_precision": "unknown",
        },
    )
    assert response.status_code == 200
    assert "These words are not in the article&#x27;s text." in response.text
    assert Quote.objects.count() == 1
