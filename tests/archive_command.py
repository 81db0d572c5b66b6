"""Running `manage.py archive` as a person would, for the tests of captures and WARC files."""

import io

from django.core.management import CommandError, call_command


def run_archive(*items):
    """The command's output, and its error when it reports failures."""
    out = io.StringIO()
    try:
        call_command("archive", *map(str, items), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), ""
