"""The explorer's most repeated markup, a facet's value, built in Python: a page lists ~140 of
them, and as a dozen template nodes each they cost ~3 ms of a page's render (issue #25)."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

# Only the link and the label are escaped (as the template would): the rest is this module's own
# markup.
FACET_VALUE = (
    '<li{month}><a href="{url}" class="facet-value{selected}" {current}>'
    '<span class="box" aria-hidden="true">{box}</span> '
    '<span class="facet-label">{label}</span> <span class="count">{count}</span></a></li>'
)


@register.simple_tag
def facet_value(name, value):
    """A facet's value (claims.facets.FacetValue) as a link that toggles it in the view; a month
    of the period facet is indented under its year."""
    return mark_safe(
        FACET_VALUE.format(
            month=' class="month"' if name == "period" and len(value.value) == 7 else "",
            url=conditional_escape(value.url),
            selected=" selected" if value.selected else "",
            current='aria-current="true"' if value.selected else "",
            box="☑" if value.selected else "☐",
            label=conditional_escape(value.label),
            count=int(value.count),
        )
    )
