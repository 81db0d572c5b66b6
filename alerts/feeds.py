"""Alert feeds (Atom): the events of a followed thing, for anyone, with no account and nothing
personal in the address. A bad view or search is a 400 that says why."""

from django.core.exceptions import BadRequest

from alerts.events import recent_events
from alerts.models import Kind
from alerts.things import NotFollowable, followed_record, followed_search, followed_view
from claims.feeds import NO_CLAIMS_YET, ArchiveFeed


class EventFeed(ArchiveFeed):
    """/alerts/feeds/topics/4/, /alerts/feeds/claims/?status=disputed, …"""

    def get_object(self, request, kind, pk=None):
        try:
            if kind == Kind.VIEW:
                return followed_view(request.GET)
            if kind == Kind.SEARCH:
                return followed_search(request.GET.get("q", ""))
        except NotFollowable as error:
            raise BadRequest(str(error)) from None
        return followed_record(kind, pk)

    def feed_extra_kwargs(self, followed):
        # An empty feed never changed: a stable `updated`, so each poll isn't news.
        return {"empty_since": lambda: NO_CLAIMS_YET}

    def title(self, followed):
        return f"newsarchive: {followed.label}"

    def link(self, followed):
        return followed.page_url

    def feed_url(self, followed):
        return followed.url("feed")

    def subtitle(self, followed):
        if followed.follows_claims:
            return "New claims, newest first."
        if followed.kind == Kind.CLAIM:
            return "Changes of the claim's status, newest first."
        return "New versions of the article, newest first."

    def items(self, followed):
        return recent_events(followed)

    def item_title(self, event):
        return event.title

    def item_description(self, event):
        return event.title

    def item_link(self, event):
        # The event's own fragment: the link is also the entry's id (made absolute by the
        # feed), and one page can have many events, such as a claim's changes of status.
        return f"{event.url}#{event.key.replace(':', '-')}"

    def item_pubdate(self, event):
        return event.at

    def item_updateddate(self, event):
        return event.at
