#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    from django.core.management import execute_from_command_line

    from newsarchive import database

    # Settings only read DATABASE_URL. Without one, this process starts (or attaches to) the
    # embedded PostgreSQL for the command and releases it afterwards; the last user stops it.
    embedded_data_dir = database.start_embedded_server_unless_configured()
    try:
        execute_from_command_line(sys.argv)
    finally:
        if embedded_data_dir is not None:
            database.stop_embedded_server(embedded_data_dir)


if __name__ == "__main__":
    main()
