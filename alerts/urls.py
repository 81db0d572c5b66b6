"""/alerts/follow/… and /alerts/feeds/… mirror the followed page's own address: /topics/4/ is
followed at /alerts/follow/topics/4/, /claims/?status=disputed at
/alerts/follow/claims/?status=disputed."""

from django.urls import path

from alerts import views
from alerts.feeds import EventFeed
from alerts.models import Kind

app_name = "alerts"

RECORD_PATHS = {
    Kind.CLAIM: "claims",
    Kind.ARTICLE: "articles",
    Kind.PERSON: "people",
    Kind.TOPIC: "topics",
    Kind.OUTLET: "outlets",
}
feed = EventFeed()

urlpatterns = [
    path("follow/claims/", views.follow_view, name="follow_view"),
    path("follow/search/", views.follow_search, name="follow_search"),
    path("feeds/claims/", feed, {"kind": Kind.VIEW}, name="feed_view"),
    path("feeds/search/", feed, {"kind": Kind.SEARCH}, name="feed_search"),
    *(
        path(f"follow/{prefix}/<int:pk>/", views.follow_record, {"kind": kind}, f"follow_{kind}")
        for kind, prefix in RECORD_PATHS.items()
    ),
    *(
        path(f"feeds/{prefix}/<int:pk>/", feed, {"kind": kind}, f"feed_{kind}")
        for kind, prefix in RECORD_PATHS.items()
    ),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
