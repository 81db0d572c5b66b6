"""Page N of a list of results, alike everywhere: the explorer, search and the API.

A page past the last one is an error the caller answers with a 400 and this message, never
another page quietly shown instead: a link to page 9 must not show page 2.
"""

from django.core.paginator import Paginator


class NoSuchPage(ValueError):
    """The page asked for is past the last page; str() says so, for the 400."""


def page_of(rows, number, per_page):
    """Page `number` (from 1) of `rows`, `per_page` to a page."""
    paginator = Paginator(rows, per_page)
    if number > paginator.num_pages:
        pages = paginator.num_pages
        plural = "s" if pages != 1 else ""
        raise NoSuchPage(f"There is no page {number}: these results have {pages} page{plural}.")
    return paginator.page(number)


def first_rows(rows, limit):
    """(the first `limit` rows of a queryset, as a list, and how many rows it has in all):
    counted by a query only when they fill the list, for fewer are all of them (issue #25)."""
    first = list(rows[:limit])
    return first, len(first) if len(first) < limit else rows.count()
