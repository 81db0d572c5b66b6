from django.urls import path

from claims import feeds, views

app_name = "claims"


def record_versions(kind, prefix):
    """A person's, topic's or source's change log and versions: /people/4/v/, /people/4/v/2/."""
    return [
        path(f"{prefix}/<int:pk>/v/", views.record_changelog, {"kind": kind}, f"{kind}_versions"),
        path(
            f"{prefix}/<int:pk>/v/<int:number>/",
            views.record_version,
            {"kind": kind},
            f"{kind}_version",
        ),
    ]


urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/captures.wacz", views.search_wacz, name="search_wacz"),
    path("claims/", views.claim_list, name="claim_list"),
    # Versions before the slugged permalinks, which would take "v" for a slug.
    path("claims/<int:pk>/v/", views.claim_changelog, name="claim_versions"),
    path("claims/<int:pk>/v/<int:number>/", views.claim_version, name="claim_version"),
    *record_versions("person", "people"),
    *record_versions("topic", "topics"),
    *record_versions("source", "sources"),
    path("claims/<int:pk>/", views.claim_detail),
    path("claims/<int:pk>/<slug:slug>/", views.claim_detail, name="claim"),
    path("topics/<int:pk>/", views.topic_detail),
    path("topics/<int:pk>/<slug:slug>/", views.topic_detail, name="topic"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    # People and outlets are articles' models; their pages are about the claims they make and
    # report, so they are served here (articles reverses these names, it imports nothing).
    path("people/<int:pk>/", views.person_detail),
    path("people/<int:pk>/<slug:slug>/", views.person_detail, name="person"),
    path("outlets/<int:pk>/", views.outlet_detail),
    path("outlets/<int:pk>/<slug:slug>/", views.outlet_detail, name="outlet"),
    path("people/<int:pk>/<slug:slug>/quotes/", views.person_quotes, name="person_quotes"),
    path("feeds/claims/", feeds.ClaimFeed(), name="feed"),
    path("feeds/topics/<int:pk>/", feeds.TopicClaimFeed(), name="topic_feed"),
    path("feeds/people/<int:pk>/", feeds.PersonClaimFeed(), name="person_feed"),
]
