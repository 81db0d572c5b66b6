from django.http import HttpResponsePermanentRedirect


def redirect_to_canonical(request, obj, slug):
    """Permalinks are found by id; the slug is decorative. A missing or outdated slug (the title
    changed) gets a permanent redirect to the current URL, keeping the query string, so old links
    keep working and keep showing the same view."""
    if slug == obj.slug:
        return None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(obj.get_absolute_url() + (f"?{query}" if query else ""))
