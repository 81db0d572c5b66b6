"""WSGI entry point for gunicorn.

Production and `manage.py serve` give gunicorn a DATABASE_URL. A developer running gunicorn by
hand without one gets the embedded PostgreSQL, as with manage.py: each worker attaches to it and
the last to exit stops it.
"""

import os

from django.core.wsgi import get_wsgi_application

from newsarchive import database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
database.start_embedded_server_unless_configured()

application = get_wsgi_application()
