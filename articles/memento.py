"""Memento (RFC 7089, https://www.rfc-editor.org/rfc/rfc7089): what web archives' tools read.

A capture of an address, with the time it was retrieved, is a memento of it (Capture.is_memento);
its page is its own (Capture.get_absolute_url). So is a retrieval that found a capture's bytes
again (Revisit), at its own time and on a page of its own (Revisit.get_absolute_url), which shows
the capture: a TimeMap's datetime must be the one its memento's page gives, and clients key the
mementos they read by URI (memento-client does), so two datetimes can't share the capture's page.
The TimeGate `/timegate/<URL>` redirects to the memento nearest the time a client asks for
(Accept-Datetime), and the TimeMaps `/timemap/link/<URL>` and `/timemap/json/<URL>` list them all.
The views are in articles.views.
"""

import datetime
import re
from urllib.parse import urlsplit, urlunsplit

from django.db.models import F, Q
from django.urls import reverse
from django.utils.encoding import iri_to_uri, uri_to_iri
from django.utils.http import http_date, parse_http_date

from articles.models import Capture, Revisit

LINK_FORMAT = "application/link-format"


def requested_original(request, url):
    """The original URL of /timegate/<URL> and /timemap/…/<URL>: the rest of the path, and the
    query string, which is the URL's own (clients append the URL as it stands), as a URI. A
    proxy that merges slashes makes http:// http:/, which is mended."""
    url = re.sub(r"^(https?):/+", r"\1://", url, flags=re.IGNORECASE)
    query = request.META.get("QUERY_STRING", "")
    return iri_to_uri(url) + (f"?{iri_to_uri(query)}" if query else "")


def address_forms(uri):
    """The ways an address may have been stored: as given, with its scheme and host in lower
    case and no fragment, each as a URI and as an IRI (é rather than %C3%A9)."""
    parts = urlsplit(uri)
    plain = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
    return {form for address in (uri, plain) for form in (address, uri_to_iri(address))}


def captures_of(uri):
    """The captures of an address, oldest first (those of unknown date last): retrieved from it,
    led to it by a redirect, or of an article whose canonical URL it is. Without their bytes
    and texts, which no list shows."""
    forms = address_forms(uri)
    return (
        Capture.objects.filter(
            Q(request_url__in=forms) | Q(final_url__in=forms) | Q(article__url__in=forms)
        )
        .select_related("article")
        .defer("raw", "text", "removed_boilerplate", "http_headers")
        .defer("article__body", "article__search_vector", "article__provenance_note")
        .order_by(F("retrieved_at").asc(nulls_last=True), "archived_at", "pk")
    )


def revisits_of(uri):
    """The retrievals of an address that found a capture's bytes again, oldest first, matched as
    captures_of() matches captures, each with its capture and article (without their texts)."""
    forms = address_forms(uri)
    return (
        Revisit.objects.filter(
            Q(request_url__in=forms) | Q(final_url__in=forms) | Q(capture__article__url__in=forms)
        )
        .select_related("capture__article")
        .defer("http_headers", "http_request_headers")
        .defer("capture__raw", "capture__text", "capture__removed_boilerplate")
        .defer("capture__http_headers", "capture__http_request_headers")
        .defer("capture__article__body", "capture__article__search_vector")
        .defer("capture__article__provenance_note")
        .order_by("retrieved_at", "pk")
    )


def mementos_of(uri):
    """Its mementos, oldest first: the captures whose time of retrieval is known, and the
    retrievals that found one of them again (of the same time, the capture first)."""
    captures = captures_of(uri).filter(retrieved_at__isnull=False)
    return sorted([*captures, *revisits_of(uri)], key=lambda memento: memento.retrieved_at)


def parse_accept_datetime(value):
    """The datetime of an Accept-Datetime header (an HTTP date: RFC 1123, as RFC 7089 says,
    and the two older forms every HTTP recipient reads); ValueError for anything else."""
    return datetime.datetime.fromtimestamp(parse_http_date(value), datetime.UTC)


def nearest(mementos, when):
    """The memento retrieved nearest `when` (of two as near, the earlier)."""
    return min(mementos, key=lambda m: (abs(m.retrieved_at - when), m.retrieved_at))


def memento_datetime(memento):
    """When the memento (a Capture or Revisit) was retrieved, as the Memento-Datetime header
    gives it (RFC 1123)."""
    return http_date(memento.retrieved_at.timestamp())


def iso_datetime(memento):
    return memento.retrieved_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def absolute(request, path):
    # Not request.build_absolute_uri(): it resolves the /../ an original URL may hold.
    return f"{request.scheme}://{request.get_host()}{path}"


def service_url(request, name, uri):
    """The TimeGate's or a TimeMap's address for an original URL, appended as it stands, as
    clients do (reverse() would percent-encode its ? and %)."""
    return absolute(request, reverse(name, kwargs={"url": "-"}).removesuffix("-") + uri)


def memento_url(request, memento):
    return absolute(request, memento.get_absolute_url())


def link(uri, rel, *attributes):
    """One link of a Link header or a link-format document (RFC 8288): attributes as
    (name, value) pairs."""
    return f'<{uri}>; rel="{rel}"' + "".join(f'; {name}="{value}"' for name, value in attributes)


def memento_links(request, memento):
    """The Link header of a memento's page: its original URL, TimeGate and TimeMap."""
    original = iri_to_uri(memento.original_url)
    return ", ".join(
        [
            link(original, "original"),
            link(service_url(request, "articles:timegate", original), "timegate"),
            link(
                service_url(request, "articles:timemap_link", original),
                "timemap",
                ("type", LINK_FORMAT),
            ),
        ]
    )


def memento_rel(memento, first, last):
    """A memento's relation in a TimeMap: "first memento", "last memento", both, or neither."""
    rel = "memento"
    if memento == last:
        rel = f"last {rel}"
    if memento == first:
        rel = f"first {rel}"
    return rel


def memento_link(request, memento, first, last):
    return link(
        memento_url(request, memento),
        memento_rel(memento, first, last),
        ("datetime", memento_datetime(memento)),
    )


def timegate_links(request, original, mementos):
    """The Link header of the TimeGate's redirect: the original URL, its TimeMap, and its first
    and last mementos."""
    first, last = mementos[0], mementos[-1]
    return ", ".join(
        [
            link(original, "original"),
            link(service_url(request, "articles:timemap_link", original), "timemap",
                 ("type", LINK_FORMAT)),
            *(memento_link(request, m, first, last) for m in dict.fromkeys([first, last])),
        ]
    )  # fmt: skip


def timemap_link_format(request, original, mementos):
    """The TimeMap as RFC 7089 section 5.1.1 lays it out: the original URL, the TimeMap itself
    with the span of its mementos, the TimeGate, and each memento with its datetime."""
    first, last = mementos[0], mementos[-1]
    links = [
        link(original, "original"),
        link(
            service_url(request, "articles:timemap_link", original),
            "self",
            ("type", LINK_FORMAT),
            ("from", memento_datetime(first)),
            ("until", memento_datetime(last)),
        ),
        link(service_url(request, "articles:timegate", original), "timegate"),
        *(memento_link(request, memento, first, last) for memento in mementos),
    ]
    return ",\n".join(links) + "\n"


def timemap_json(request, original, mementos):
    """The TimeMap in the JSON that pywb and the Memento aggregator (Time Travel) give."""
    listed = [
        {"datetime": iso_datetime(memento), "uri": memento_url(request, memento)}
        for memento in mementos
    ]
    return {
        "original_uri": original,
        "timegate_uri": service_url(request, "articles:timegate", original),
        "timemap_uri": {
            "link_format": service_url(request, "articles:timemap_link", original),
            "json_format": service_url(request, "articles:timemap_json", original),
        },
        "mementos": {"list": listed, "first": listed[0], "last": listed[-1]},
    }
