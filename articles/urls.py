from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("articles/<int:pk>/", views.article_detail),
    path("outlets/<int:pk>/<slug:slug>/articles/", views.outlet_articles, name="outlet_articles"),
    path("people/<int:pk>/<slug:slug>/articles/", views.person_articles, name="person_articles"),
    path("articles/<int:pk>/<slug:slug>/", views.article_detail, name="article"),
    path("articles/<int:pk>/captures/changes/", views.article_changes, name="changes"),
    path("articles/<int:pk>/captures/<int:capture_pk>/", views.capture_detail, name="capture"),
    path(
        "articles/<int:pk>/captures/<int:capture_pk>/revisits/<int:revisit_pk>/",
        views.revisit_detail,
        name="revisit",
    ),
    path(
        "articles/<int:pk>/captures/<int:capture_pk>.warc.gz",
        views.capture_warc_download,
        name="capture_warc",
    ),
    path("captures/", views.capture_lookup, name="lookup"),
    # Memento (RFC 7089): the original URL follows as it stands, its query string included.
    path("timegate/<path:url>", views.timegate, name="timegate"),
    path("timemap/link/<path:url>", views.timemap_link, name="timemap_link"),
    path("timemap/json/<path:url>", views.timemap_json, name="timemap_json"),
    path("articles/<int:pk>/captures.wacz", views.article_wacz_download, name="wacz"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/v/", views.quote_changelog, name="quote_versions"),
    path("quotes/<int:pk>/v/<int:number>/", views.quote_version, name="quote_version"),
]
