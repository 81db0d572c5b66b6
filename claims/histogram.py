"""The explorer's date histogram: which bars to draw, and where.

Bars are the years of the matching claims, or the twelve months of a year once one year (or its
months) is chosen. Every coordinate of the SVG is worked out here, so the template only places
what it is given.
"""

from dataclasses import dataclass

from claims import facets

BAR_WIDTH = 32
BAR_SPACING = 40  # a bar and the gap after it
TALLEST_BAR = 80  # SVG units
COUNT_ROOM = 14  # above the tallest bar, for its count
LABEL_ROOM = 18  # below the bars, for their labels
HEIGHT = COUNT_ROOM + TALLEST_BAR + LABEL_ROOM


@dataclass
class Bar:
    label: str
    count: int
    url: str
    selected: bool
    x: int = 0
    height: int = 0

    width = BAR_WIDTH
    label_y = HEIGHT - 4

    @property
    def y(self):
        return COUNT_ROOM + TALLEST_BAR - self.height

    @property
    def center(self):
        return self.x + BAR_WIDTH // 2

    @property
    def count_y(self):
        return self.y - 3


class Histogram(list):
    """The bars, with the size of the drawing and what a bar stands for."""

    height = HEIGHT

    def __init__(self, bars, unit):
        super().__init__(bars)
        self.unit = unit  # "year" or "month"

    @property
    def width(self):
        return max(len(self), 1) * BAR_SPACING


def histogram(periods, url_with_period):
    """The histogram of the period facet's values; `url_with_period(value)` is the view with
    that period (a FacetValue, or a month key without claims) toggled."""
    chosen_years = {value.value[:4] for value in periods if value.selected and _is_dated(value)}
    if len(chosen_years) == 1:
        bars, unit = _month_bars(periods, chosen_years.pop(), url_with_period), "month"
    else:
        bars, unit = _year_bars(periods), "year"
    _place(bars)
    return Histogram(bars, unit)


def _is_dated(value):
    return value.value != facets.UNDATED


def _year_bars(periods):
    years = sorted((value for value in periods if len(value.value) == 4), key=lambda v: v.value)
    return [Bar(value.value, value.count, value.url, value.selected) for value in years]


def _month_bars(periods, year, url_with_period):
    counts = {value.value: value for value in periods if value.value.startswith(f"{year}-")}
    bars = []
    for month, name in enumerate(facets.MONTH_NAMES, start=1):
        key = f"{year}-{month:02d}"
        value = counts.get(key)
        if value:
            bars.append(Bar(name, value.count, value.url, value.selected))
        else:
            bars.append(Bar(name, 0, url_with_period(key), False))
    return bars


def _place(bars):
    tallest = max((bar.count for bar in bars), default=0) or 1
    for index, bar in enumerate(bars):
        bar.height = round(TALLEST_BAR * bar.count / tallest)
        bar.x = index * BAR_SPACING
