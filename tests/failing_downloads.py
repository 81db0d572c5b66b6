"""Downloads that fail: before their first row, in a query PostgreSQL refuses; or after it, as if
the database went away, in the tests' own process (patch Batches with failing_after_the_first)
or in a gunicorn of their own, whose application is `tests.failing_downloads:application()`."""

import django
from django.db.models.expressions import RawSQL


def failing_in_the_database(claims):
    """The claims, filtered by a condition PostgreSQL refuses to compute (a DataError)."""
    return claims.alias(failure=RawSQL('"claims_claim"."id" / 0', [])).filter(failure=1)


def failing_after_the_first(read):
    """A Batches method that yields the first row, then fails (a database gone away)."""

    def failing(*args):
        for number, row in enumerate(read(*args)):
            if number:
                raise RuntimeError("the database went away")
            yield row

    return failing


def application():
    """The archive's WSGI application, with every download failing after its first row."""
    django.setup()  # before the models are imported
    from claims.exports import Batches
    from newsarchive.wsgi import application

    Batches.records = failing_after_the_first(Batches.records)
    Batches.csv_records = failing_after_the_first(Batches.csv_records)
    Batches.citables = failing_after_the_first(Batches.citables)
    return application
