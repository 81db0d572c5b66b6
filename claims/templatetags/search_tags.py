from django import template

from claims.search import highlight as highlight_headline

register = template.Library()


@register.filter
def highlight(headline):
    """A search headline as safe HTML: the text escaped, the matches in <mark>."""
    return highlight_headline(headline)
