from django import template

from core.citations import citations

register = template.Library()


@register.inclusion_tag("_cite_box.html", takes_context=True)
def cite_box(context, obj, url=None):
    """The permalink and citations of obj (or of url, a page of it such as a quote's)."""
    request = context["request"]
    permalink = request.build_absolute_uri(url or obj.get_absolute_url())
    return {"permalink": permalink, "citations": citations(obj.citable(permalink))}
