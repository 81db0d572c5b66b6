from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from articles.models import Article
from claims.models import Claim, Source, Topic
from newsarchive.permalinks import redirect_to_canonical


def claim_detail(request, pk, slug=None):
    claim = get_object_or_404(Claim.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(claim, slug):
        return redirect
    return render(request, "claims/claim_detail.html", {"claim": claim})


def topic_detail(request, pk, slug=None):
    topic = get_object_or_404(
        Topic.objects.prefetch_related(Prefetch("claims", Claim.objects.for_lists())), pk=pk
    )
    if redirect := redirect_to_canonical(topic, slug):
        return redirect
    return render(request, "claims/topic_detail.html", {"topic": topic})


def source_detail(request, pk):
    source = get_object_or_404(
        Source.objects.prefetch_related(
            Prefetch("claims", Claim.objects.for_lists()),
            Prefetch("claims__articles", Article.objects.for_lists()),
        ),
        pk=pk,
    )
    return render(request, "claims/source_detail.html", {"source": source})
