"""Test settings: the project's settings on a temporary embedded PostgreSQL.

The project's settings start no server; like manage.py, this module is the test run's entry
point and starts one. Each test run gets its own server in a fresh temporary folder, deleted when
the run ends, unless DATABASE_URL names a server to use instead (pytest-django creates its test
database there). Subprocesses the tests start inherit DATABASE_URL.
"""

import os
import tempfile

from newsarchive import database

# EMBEDDED_TEST_DATABASE_DIR: the data folder of the server this run started, if it did.
if not os.environ.get("DATABASE_URL"):
    EMBEDDED_TEST_DATABASE_DIR = tempfile.mkdtemp(prefix="newsarchive-test-postgres-")
    os.environ["DATABASE_URL"] = database.embedded_database_url(
        EMBEDDED_TEST_DATABASE_DIR, temporary=True
    )
else:
    EMBEDDED_TEST_DATABASE_DIR = None

from newsarchive.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
STATIC_ROOT = None  # nothing is collected in tests; whitenoise serves from the app finders
