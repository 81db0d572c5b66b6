"""Optimistic concurrency for everything editors change: no silent overwrite.

A versioned row carries a number that every save increments, on the condition that it is still
the number the editor started from. Two editors who open the same row at version 3: the first
to save makes it 4; the second save still says 3 and is refused, with nothing of the first
overwritten. The admin checks it while locking the row (see core.admin); this save()
holds the rule for every other path too.

Also here: the log of changed rows that the page cache checks its pages against (PageChange).
"""

from django.db import models, transaction
from django.db.models.functions import Now
from django.urls import reverse


class StaleEditError(Exception):
    """The row changed since the editor loaded it."""


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(
        default=1, help_text="Counts saves; an edit of an older version is refused."
    )

    # The name of its permalink's URL, e.g. "claims:claim"; its versions are served at that name
    # with "_version" (one version) and "_versions" (the change log).
    url_name = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            claimed = (
                type(self)
                ._default_manager.filter(pk=self.pk, version=self.version)
                .update(version=self.version + 1)
            )
            if not claimed:
                raise StaleEditError(
                    f"{self._meta.verbose_name} {self.pk} was changed by someone else since "
                    f"version {self.version} was loaded."
                )
            self.version += 1
            return super().save(*args, **kwargs)

    def get_version_url(self, number):
        return reverse(f"{self.url_name}_version", kwargs={"pk": self.pk, "number": number})

    def get_versions_url(self):
        return reverse(f"{self.url_name}_versions", kwargs={"pk": self.pk})


class TransactionIdField(models.Field):
    """PostgreSQL's xid8: a transaction's id, compared with snapshots (pg_visible_in_snapshot)."""

    def db_type(self, connection):
        return "xid8"


class PageChange(models.Model):
    """One key ("<table>:<pk>") of a row a page may show, changed by transaction `xid`: the log
    the page cache (core.page_cache) checks its pages against. Written by triggers only, in the
    transaction that made the change; the triggers prune rows older than a day."""

    id = models.BigAutoField(primary_key=True)
    xid = TransactionIdField(db_default=models.Func(function="pg_current_xact_id"))
    key = models.TextField()
    at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(fields=["key", "xid"], name="core_pagechange_key_xid"),
            models.Index(fields=["at"], name="core_pagechange_at"),
        ]

    def __str__(self):
        return f"{self.key} in transaction {self.xid}"
