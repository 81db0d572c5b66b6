from django import template
from django.utils.html import format_html_join
from django.utils.text import slugify

from core.citations import ARCHIVE_NAME, citations, of_capture, of_version, robust_link
from core.models import VersionedModel
from core.versions import latest_recorded

register = template.Library()


def cited(request, obj, url=None, version=None, capture=None):
    """(the living permalink, the Citable of the version cited, that version or None).

    A versioned record is cited at a version: `version` on a version page, else its current
    one. Versions are numbers with a date: a core.versions.Version or a history record. An
    article is cited in the capture shown (articles.Capture), at the capture's own page.
    """
    permalink = request.build_absolute_uri(url or obj.get_absolute_url())
    item = obj.citable(permalink)
    if capture is not None:
        url = request.build_absolute_uri(capture.get_absolute_url())
        return permalink, of_capture(item, url, capture.retrieved_at), None
    if version is None and isinstance(obj, VersionedModel):
        recorded = _current_version_recorded(obj)
        version = recorded and (obj.version, recorded)
    elif version is not None:
        version = (version.number, version.date)
    if version:
        number, date = version
        version_url = request.build_absolute_uri(obj.get_version_url(number))
        item = of_version(item, version_url, number, date.date())
    return permalink, item, version


def _current_version_recorded(obj):
    """When obj's current version was recorded, or None: read with obj by the page's query
    (core.versions.with_current_version_recorded), or else once per page here, for the Cite box
    and the page's metadata both cite it."""
    if not hasattr(obj, "current_version_recorded"):
        record = latest_recorded(obj)
        obj.current_version_recorded = record and record.history_date
    return obj.current_version_recorded


@register.inclusion_tag("_cite_box.html", takes_context=True)
def cite_box(context, obj, url=None, version=None, capture=None):
    """The permalinks and citations of obj (or of url, a page of it such as a quote's): of the
    version or capture shown, by default, beside the living permalink."""
    permalink, item, version = cited(context["request"], obj, url, version, capture)
    return {
        "permalink": permalink,
        # The ids of the box's fields, slugified once here rather than in each (issue #25).
        "anchor": slugify(permalink),
        "version": version and {"number": version[0], "date": version[1], "url": item.url},
        "versions_url": version and obj.get_versions_url(),
        "capture": capture and _cited_capture(capture, item),
        "citations": [
            {"name": name, "slug": slugify(name), "text": text}
            for name, text in citations(item).items()
        ],
    }


def _cited_capture(capture, item):
    """What the Cite box says of the capture it cites: its page, its date and, for a memento
    (a capture of a known address at a known time), the Robust Link to it."""
    return {
        "url": item.url,
        "date": capture.retrieved_at,
        "robust_link": capture.is_memento
        and robust_link(item.url, capture.original_url, capture.retrieved_at, item.title),
    }


@register.simple_tag(takes_context=True)
def record_meta(context, obj, url=None, version=None, capture=None):
    """Link-preview metadata (OpenGraph, Twitter card) and the citation metadata reference
    managers read from a page (Highwire citation_* tags, as Zotero does, and Dublin Core), of
    the version or capture the page cites."""
    request = context["request"]
    permalink, item, _ = cited(request, obj, url, version, capture)
    description = obj.summary
    canonical = item.url if version or capture else permalink
    authors = [_author(name) for name in item.authors]
    date = "/".join(f"{part:02d}" for part in item.issued)
    # The archive publishes its own records; an article was published by its outlet.
    publisher = [item.publisher] if item.publisher else []
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", ARCHIVE_NAME),
        ("property", "og:title", item.title),
        ("property", "og:description", description),
        ("property", "og:url", canonical),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", item.title),
        ("name", "twitter:description", description),
        ("name", "description", description),
        ("name", "citation_title", item.title),
        *[("name", "citation_author", author) for author in authors],
        *([("name", "citation_publication_date", date)] if date else []),
        *[("name", "citation_publisher", name) for name in publisher],
        ("name", "citation_public_url", item.url),
        ("name", "DC.title", item.title),
        *[("name", "DC.creator", author) for author in authors],
        *([("name", "DC.date", date.replace("/", "-"))] if date else []),
        *[("name", "DC.publisher", name) for name in publisher],
        ("name", "DC.identifier", item.url),
        ("name", "DC.description", description),
        ("name", "DC.type", "Text"),
    ]
    return format_html_join("\n", '<meta {}="{}" content="{}">', tags)


def _author(name):
    """As reference managers read a name: "Family, Given", or as written."""
    return name.get("literal") or f"{name['family']}, {name['given']}"
