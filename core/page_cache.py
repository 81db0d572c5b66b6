"""A cache of the pages anonymous readers see, exact: a page is served from it only while
nothing it showed has changed (issue #25).

What a page showed: the key "<table>:<pk>" of every model instance made while it was rendered
(a post_init receiver), and of the rows a view reads without making instances (`note_read`).
What changed: triggers on every table of the apps that say so (AppConfig.page_cache_logged) log,
in the transaction of the change, the key of each row inserted, updated or deleted, and the key
of each row its foreign keys name, before and after (core.models.PageChange): a page that showed
a parent sees a child come or go; and "<table>:*", for pages that read a whole table
(`note_whole_table`). A TRUNCATE logs "*", every page. Changes a row's key can't reach (a
claim's facet counts on its people's pages) are logged by their app's own triggers. Users are
logged too: pages sign editors' notes with their names.

A page remembers the snapshot of its database taken before it was rendered; it is still valid
while the log holds no change of its keys that the snapshot did not see (one indexed query),
as the facet index follows its log (claims/facet_index.py). The triggers prune the log after
two days, so a page lives at most PAGE_CACHE_SECONDS (at most 23 hours), and never past the
day it was rendered on: its Cite box says when it was accessed.

A request with "Cache-Control: no-cache" (a hard reload) gets the page rendered afresh, which
is then stored. Only anonymous readers' pages are cached: GET or HEAD with no session cookie, a
200 HTML page that sets no cookie, varies with no request header and holds no CSP nonce; never
inside a transaction (a test's, or a request that wrote: its snapshot may hold its own
uncommitted changes) nor when the request must read the primary (core.routers: an editor's save
must show on the next page, whatever a replica holds). Each process has its own cache (settings
CACHES["pages"]), checked against the log of the database the page was read from.

Views say which pages may be cached (`cache_anonymous_page`); PageCacheMiddleware, near the top
of the middleware, stores them as the middleware below it made them and serves them without
running that middleware again: a hit costs little more than its check of the log.
"""

import contextvars
import datetime
import functools
import hashlib
import time
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import DatabaseError, connections, router
from django.utils import timezone

from core.models import PageChange
from core.routers import must_see_writes, reads_for, reads_from_primary

CACHE = "pages"
EVERYTHING = "*"  # logged by a TRUNCATE: every page
WHOLE_TABLE = "*"  # "<table>:*", logged by every change of the table
# A page is checked against the log for at most this long (the triggers keep two days of it).
OLDEST_CHECKED = datetime.timedelta(hours=23)
LOG = PageChange._meta.db_table
TRIGGER_PREFIX = "page_change_"

# Logs, for each row in the statement's transition tables, the key of each (column, table) pair
# of the trigger's arguments: "<table>:<value of column>".
LOG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION core_log_page_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    selections text[] := '{{}}';
    rows_name text;
    i int;
BEGIN
    -- "<table>:*": any change of the table, for pages that read all of it (note_whole_table).
    selections := selections || format('SELECT %L', TG_TABLE_NAME || ':{WHOLE_TABLE}');
    FOREACH rows_name IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows']
        WHEN 'DELETE' THEN ARRAY['old_rows'] ELSE ARRAY['new_rows', 'old_rows'] END
    LOOP
        -- Columns are read from each row as JSON, so that a column the table lacks gives no
        -- key, not an error: the triggers follow the models as they are now, and a migration
        -- run to or through an older state (a data migration, a test) writes its older rows.
        FOR i IN 0 .. TG_NARGS - 1 BY 2 LOOP
            selections := selections || format(
                'SELECT %L || (changed ->> %L) FROM (SELECT to_jsonb(r) AS changed FROM %I r) rows'
                ' WHERE changed ->> %L IS NOT NULL',
                TG_ARGV[i + 1] || ':', TG_ARGV[i], rows_name, TG_ARGV[i]);
        END LOOP;
    END LOOP;
    EXECUTE 'INSERT INTO {LOG} (key) SELECT DISTINCT key FROM ('
        || array_to_string(selections, ' UNION ALL ') || ') changed (key)';
    -- Two days: `at` is when the logging transaction began, and a page is checked for 23 hours
    -- at most, so a transaction may run a day and its rows still be there.
    DELETE FROM {LOG} WHERE at < now() - interval '2 days';
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION core_log_page_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {LOG} (key) VALUES ('{EVERYTHING}');
    RETURN NULL;
END
$$;
"""
TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}
# Whether anything this page showed was logged by a transaction its snapshot did not see.
CHANGED_SQL = f"""
    SELECT EXISTS (
        SELECT FROM {LOG} WHERE key = ANY(%(keys)s)
        AND xid >= pg_snapshot_xmin(%(snapshot)s::pg_snapshot)
        AND NOT pg_visible_in_snapshot(xid, %(snapshot)s::pg_snapshot)
    )
"""


def logged_models():
    """Models whose tables log their changes: those of apps with `page_cache_logged`, with
    their many-to-many tables and history, less the models the app names in
    `page_cache_unlogged` (tables no page reads); and users, whose names sign editors' notes."""
    yield get_user_model()
    for config in apps.get_app_configs():
        if getattr(config, "page_cache_logged", False):
            unlogged = set(getattr(config, "page_cache_unlogged", []))
            for model in config.get_models(include_auto_created=True):
                if model._meta.model_name not in unlogged and model is not PageChange:
                    yield model


def logged_keys(model):
    """[(column, table)] whose keys a change of one of the model's rows logs: its own, those its
    foreign keys name, and for a history record (django-simple-history) its record's."""
    meta = model._meta
    keys = [(meta.pk.column, meta.db_table)]
    keys += [
        (field.column, field.related_model._meta.db_table)
        for field in meta.concrete_fields
        if field.many_to_one or field.one_to_one
    ]
    if record_model := getattr(model, "instance_type", None):
        keys.append((record_model._meta.pk.attname, record_model._meta.db_table))
    return list(dict.fromkeys(keys))


def install_triggers(using):
    """The log's triggers on every logged table, as the models now stand: made after every
    migrate (CoreConfig), so that a new table or foreign key is logged without anyone writing a
    migration for it; those of tables no longer logged are dropped."""
    wanted = {}  # (trigger, table): its definition
    for model in logged_models():
        table = model._meta.db_table
        arguments = ", ".join(f"'{name}'" for pair in logged_keys(model) for name in pair)
        for event, transition in TRANSITION_TABLES.items():
            wanted[TRIGGER_PREFIX + event, table] = (
                f"AFTER {event} ON {table} REFERENCING {transition} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION core_log_page_changes({arguments})"
            )
    # A TRUNCATE can't say what it removed; emptied, the log has lost what it knew.
    for table in {table for _, table in wanted} | {LOG}:
        wanted[TRIGGER_PREFIX + "truncate", table] = (
            f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT"
            " EXECUTE FUNCTION core_log_page_truncate()"
        )
    with connections[using].cursor() as cursor:
        cursor.execute(LOG_FUNCTION)
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
            [TRIGGER_PREFIX + "%"],
        )
        for name, table in set(cursor.fetchall()) - set(wanted):
            cursor.execute(f"DROP TRIGGER {name} ON {table}")
        for (name, _), definition in wanted.items():
            cursor.execute(f"CREATE OR REPLACE TRIGGER {name} {definition}")


# The keys of what the page being rendered read; None outside a render, or once it read
# something whose changes the log can't follow (`not_cacheable`).
_reads = contextvars.ContextVar("page_cache_reads", default=None)
_uncacheable = contextvars.ContextVar("page_cache_uncacheable", default=False)


def note_read(table, pks):
    """Rows of `table` a page shows without making instances of them (raw SQL, values())."""
    if (reads := _reads.get()) is not None:
        reads.update(f"{table}:{pk}" for pk in pks)


def note_whole_table(model):
    """A page shows something of every row of the model's table (all of them are read)."""
    note_read(model._meta.db_table, [WHOLE_TABLE])


def not_cacheable():
    """The page being rendered shows what the log can't follow (a search's matches)."""
    _uncacheable.set(True)


def note_instance(sender, instance, **kwargs):
    """post_init receiver (CoreConfig): a page being rendered read this instance."""
    if (reads := _reads.get()) is not None:
        reads.add(f"{sender._meta.db_table}:{instance.pk}")
        if record_model := getattr(sender, "instance_type", None):  # a history record
            reads.add(f"{record_model._meta.db_table}:{instance.id}")


@dataclass
class Page:
    snapshot: str  # pg_snapshot of its database taken before it was rendered
    keys: list  # what it showed
    using: str  # the database it was read from
    rendered_at: float  # time.monotonic()
    rendered_on: datetime.date  # the Cite box's "accessed" date
    response: object = None  # the response as the middleware under PageCacheMiddleware made it


def max_age():
    return min(settings.PAGE_CACHE_SECONDS, OLDEST_CHECKED.total_seconds())


class PageCacheMiddleware:
    """Serves anonymous readers' pages from the cache while still valid (see the module), and
    stores those that `cache_anonymous_page` views rendered; an X-Page-Cache header says "hit" or
    "miss". It stands above the middleware that make a page's response (sessions, CSRF, CSP,
    X-Frame-Options...), which a hit then skips: their work is stored with the page (issue #25).
    The compression and security middleware above it still see every response: gzip depends on
    the request, and so does HSTS (HTTPS only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _may_be_cached(request) or must_see_writes(request):
            return self.get_response(request)
        if not _asks_for_a_fresh_page(request):
            with reads_for(request):
                using = router.db_for_read(PageChange)
                page = _stored_page(request, using)
            if page is not None:
                return _served(page.response, "hit")
        response = self.get_response(request)
        page = getattr(response, "page_to_cache", None)
        # A HEAD's page is not stored: only a GET's response is the page.
        if page is None or request.method != "GET" or not _is_cacheable_as_sent(request, response):
            return response
        del response.page_to_cache
        page.response = response
        caches[CACHE].set(_cache_key(request, page.using), page, max_age())
        return _served(response, "miss")


def cache_anonymous_page(view):
    """Renders the view's page so that PageCacheMiddleware may store it for anonymous readers:
    the keys of what it shows are noted, and the snapshot it was read in (see the module)."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if not _may_be_cached(request) or reads_from_primary():
            return view(request, *args, **kwargs)
        using = router.db_for_read(PageChange)
        connection = connections[using]
        if connection.in_atomic_block:
            return view(request, *args, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            snapshot = cursor.fetchone()[0]
        response, keys = _rendered(view, request, *args, **kwargs)
        if keys is not None and _is_cacheable(request, response):
            response.page_to_cache = Page(
                snapshot,
                keys,
                using,
                rendered_at=time.monotonic(),
                rendered_on=timezone.now().date(),
            )
        return response

    return cached_view


def _may_be_cached(request):
    """Before the view: whether the request is an anonymous reader's (the middleware also asks
    core.routers whether it must read the primary; the view, whether it now does)."""
    return (
        max_age() > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _asks_for_a_fresh_page(request):
    """A browser's hard reload (and a benchmark timing renders) sends "Cache-Control: no-cache":
    no stored page without checking with the origin (RFC 9111 5.2.1.4), which here is a render.
    It asks no more than any new query string would."""
    directives = request.META.get("HTTP_CACHE_CONTROL", "").lower().split(",")
    return "no-cache" in {directive.strip() for directive in directives}


def _cache_key(request, using):
    """A page is found by its address alone (pages that vary with a request header are never
    stored), in the cache of the database it was read from."""
    url = request.build_absolute_uri()
    return f"{using}:{hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()}"


def _stored_page(request, using):
    """The page stored for this request's address, if it is still valid."""
    connection = connections[using]
    if connection.in_atomic_block:
        return None
    page = caches[CACHE].get(_cache_key(request, using))
    if page is None or not _still_valid(page, connection):
        return None
    return page


def _rendered(view, request, *args, **kwargs):
    """(the view's response, rendered, and the keys it read, or None if not cacheable)."""
    reads = _reads.set(set([EVERYTHING]))
    uncacheable = _uncacheable.set(False)
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()  # a TemplateResponse reads as its template is rendered
        keys = None if _uncacheable.get() else sorted(_reads.get())
    finally:
        _reads.reset(reads)
        _uncacheable.reset(uncacheable)
    return response, keys


def _is_cacheable(request, response):
    """The view's response, as it returned it."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("text/html")
        and "Vary" not in response
        # The page holds a CSRF token, the visitor's own.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not _shows_messages(request)
    )


def _is_cacheable_as_sent(request, response):
    """The response as the middleware under PageCacheMiddleware made it: no cookie set for the
    visitor (a session, a CSRF token, messages), no CSP nonce made for this request alone."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(request, "csp_nonce", None)  # django-csp: true once a nonce was made
    )


def _shows_messages(request):
    """Whether the render showed or added a message (django.contrib.messages): the visitor's."""
    storage = getattr(request, "_messages", None)
    return storage is not None and (storage.used or storage.added_new)


def _still_valid(page, connection):
    if time.monotonic() - page.rendered_at > max_age() or page.rendered_on != timezone.now().date():
        return False
    # The check is also the health check of a connection kept from an earlier request
    # (CONN_HEALTH_CHECKS): Django's own would cost a round trip more on every hit. A connection
    # that fails it is closed, as Django's check would close it, and the page is rendered afresh
    # on a new one.
    connection.health_check_done = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(CHANGED_SQL, {"keys": page.keys, "snapshot": page.snapshot})
            return not cursor.fetchone()[0]
    except DatabaseError:
        connection.close()
        return False


def _served(response, state):
    response["X-Page-Cache"] = state
    return response
