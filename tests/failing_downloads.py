"""Downloads that fail after their first row, as if the database went away: in the tests' own
process (patch Batches with failing_after_the_first), or in a gunicorn of their own, whose
application is `tests.failing_downloads:application()`."""

import django


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
    Batches.objects = failing_after_the_first(Batches.objects)
    return application
