from django.shortcuts import redirect


def redirect_to_canonical(obj, slug):
    """Permalinks are found by id; the slug is decorative. A missing or outdated slug (the title
    changed) gets a permanent redirect to the current URL, so old links keep working."""
    if slug != obj.slug:
        return redirect(obj, permanent=True)
    return None
