from django import template
from django.utils.html import format_html_join

from core.citations import ARCHIVE_NAME, citations, of_version
from core.models import VersionedModel
from core.versions import latest_recorded

register = template.Library()


def cited(request, obj, url=None, version=None):
    """(the living permalink, the Citable of the version cited, that version or None).

    A versioned record is cited at a version: `version` on a version page, else its current
    one. Versions are numbers with a date: a core.versions.Version or a history record.
    """
    permalink = request.build_absolute_uri(url or obj.get_absolute_url())
    item = obj.citable(permalink)
    if version is None and isinstance(obj, VersionedModel):
        record = _current_record(obj)
        version = record and (record.version, record.history_date)
    elif version is not None:
        version = (version.number, version.date)
    if version:
        number, date = version
        version_url = request.build_absolute_uri(obj.get_version_url(number))
        item = of_version(item, version_url, number, date.date())
    return permalink, item, version


def _current_record(obj):
    """Read once per page: the Cite box and the page's metadata both cite it."""
    if not hasattr(obj, "_current_record"):
        obj._current_record = latest_recorded(obj)
    return obj._current_record


@register.inclusion_tag("_cite_box.html", takes_context=True)
def cite_box(context, obj, url=None, version=None):
    """The permalinks and citations of obj (or of url, a page of it such as a quote's): of the
    version shown, by default, beside the living permalink."""
    permalink, item, version = cited(context["request"], obj, url, version)
    return {
        "permalink": permalink,
        "version": version and {"number": version[0], "date": version[1], "url": item.url},
        "versions_url": version and obj.get_versions_url(),
        "citations": citations(item),
    }


@register.simple_tag(takes_context=True)
def record_meta(context, obj, url=None, version=None):
    """Link-preview metadata (OpenGraph, Twitter card) and the citation metadata reference
    managers read from a page (Highwire citation_* tags, as Zotero does, and Dublin Core)."""
    request = context["request"]
    permalink, item, _ = cited(request, obj, url, version)
    description = obj.summary
    canonical = item.url if version else permalink
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
