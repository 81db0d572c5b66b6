from django.db.models import Count
from django.shortcuts import render

from articles.models import Article, Outlet, Person, Quote
from claims.models import Claim, Topic

LATEST_CLAIMS = 10


def home(request):
    context = {
        "counts": {
            "articles": Article.objects.count(),
            "outlets": Outlet.objects.count(),
            "people": Person.objects.count(),
            "quotes": Quote.objects.count(),
            "claims": Claim.objects.count(),
        },
        "latest_claims": Claim.objects.for_lists()[:LATEST_CLAIMS],
        "topics": Topic.objects.annotate(claim_count=Count("claims")).order_by("name"),
    }
    return render(request, "home.html", context)
