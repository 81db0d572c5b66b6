"""Dates that are known only to a day, a month, a year, or not at all.

A partial date is stored as a DateField plus a precision; a month or a year is stored as its
first day. The database holds that rule with a check constraint.
"""

import calendar

from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, ExtractDay, ExtractMonth
from django.db.models.lookups import Exact


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


def partial_date_constraint(date_field, name):
    precision_field = f"{date_field}_precision"
    # The cast gives the date a type even when Django checks the constraint in Python with a
    # literal value (model validation), where EXTRACT of an untyped literal is ambiguous.
    date = Cast(date_field, models.DateField())
    first_of_month = Exact(ExtractDay(date), 1)
    first_of_year = Exact(ExtractMonth(date), 1)
    unknown = Q(**{f"{date_field}__isnull": True, precision_field: DatePrecision.UNKNOWN})
    day = Q(**{f"{date_field}__isnull": False, precision_field: DatePrecision.DAY})
    month = Q(first_of_month, **{precision_field: DatePrecision.MONTH})
    year = Q(first_of_month, first_of_year, **{precision_field: DatePrecision.YEAR})
    return models.CheckConstraint(condition=unknown | day | month | year, name=name)


def format_partial_date(date, precision):
    if date is None or precision == DatePrecision.UNKNOWN:
        return "date unknown"
    if precision == DatePrecision.YEAR:
        return str(date.year)
    if precision == DatePrecision.MONTH:
        return date.strftime("%B %Y")
    return f"{date.day} {date.strftime('%B %Y')}"


def latest_possible_day(date, precision):
    """The last day a partial date may stand for: to order "2024" after "4 July 2024"."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return date.replace(day=calendar.monthrange(date.year, date.month)[1])
    return date
