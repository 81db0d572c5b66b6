"""Admin pieces shared by every app: version-checked forms, so no editor's save is silently lost,
and history that records each save once, with the relations it saved."""

import contextlib

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from core.versions import recorded_relations_of

STALE_EDIT_MESSAGE = (
    "Someone else saved this {name} after you opened it (it is now at revision {current}, you "
    "started from {yours}). Nothing was saved. Your changes are still in the form: open the "
    "{name} in a new tab to see theirs, then save again from a fresh copy."
)


class VersionedForm(forms.ModelForm):
    """Carries the version the editor started from, and refuses the save if it has moved.

    The check locks the row: the admin validates and saves in one transaction, so of two
    editors saving at once, the second waits, then sees the first one's version and is refused.
    A form without a version is refused too: it can't say what it started from.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The history record a revert starts from; None for any other change.
        self.reverting_to = getattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if not self.instance.pk:
            return
        record = self.reverting_to
        if record is None:
            self.initial["version"] = self.instance.version
        else:
            # A revert starts from the recorded version's fields and relations, and is checked
            # against the version saved now.
            self.initial["version"] = self._saved_version()
            self.initial.update(recorded_relations_of([record])[record.pk])

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            cleaned["version"] = 1
            return cleaned
        yours = cleaned.get("version")
        current = self._saved_version(lock=True)
        if yours != current:
            raise forms.ValidationError(
                STALE_EDIT_MESSAGE.format(
                    name=self._meta.model._meta.verbose_name, current=current, yours=yours
                ),
                code="stale",
            )
        cleaned["version"] = self.instance.version = current
        return cleaned

    def _saved_version(self, lock=False):
        # Unordered: a model ordered by a nullable relation would join it, and PostgreSQL locks
        # no row on the nullable side of an outer join.
        rows = type(self.instance)._default_manager.filter(pk=self.instance.pk).order_by()
        if lock:
            rows = rows.select_for_update()
        return rows.values_list("version", flat=True).first()


class VersionedRowForm(VersionedForm):
    """A row of the change list's editable columns or of an inline: only the rows an editor
    changed are saved, so only those must still be at the version the editor saw."""

    def has_changed(self):
        # The version a row was loaded at is not an edit: it differs from the saved one exactly
        # when someone else saved the row since.
        return any(name != "version" for name in self.changed_data)

    def clean(self):
        if not self.has_changed():
            return self.cleaned_data
        return super().clean()


class LabelledRowsFormSet(forms.BaseInlineFormSet):
    """The rows of a table of related records, each field named by its label: the table shows
    a label once, as its column's heading, and leaves the fields below it unnamed for screen
    readers (axe-core's label and select-name rules; issue #26)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in form.fields.items():
            # A related record's widget is wrapped with its add and change links.
            widget = getattr(field.widget, "widget", field.widget)
            if not widget.is_hidden:
                widget.attrs.setdefault("aria-label", form[name].label)


class LabelledTabularInline(admin.TabularInline):
    """A table of related records whose fields screen readers can name (LabelledRowsFormSet)."""

    formset = LabelledRowsFormSet


@contextlib.contextmanager
def history_paused(obj):
    """Relations changed inside the block leave no history record of their own: the save that
    follows records them, so one change is one record, holding what it changed."""
    obj.skip_history_when_saving = True
    try:
        yield
    finally:
        del obj.skip_history_when_saving


class VersionedAdmin(SimpleHistoryAdmin):
    """History (view and revert) and version-checked saves for a model's admin."""

    form = VersionedForm
    change_list_template = "admin/versioned_change_list.html"

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, **{"form": VersionedRowForm, **kwargs})

    def changelist_view(self, request, extra_context=None):
        # Saving the editable list checks versions under row locks: like the change form, it
        # runs in one transaction.
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            # Relations first, so the history record of this save holds them (the form saves
            # them again afterwards, finding nothing left to change).
            with history_paused(obj):
                form.save_m2m()
        super().save_model(request, obj, form, change)

    def history_view(self, request, object_id, extra_context=None):
        self._check_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_id(self.model, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        self._check_id(history.model, version_id)
        # A revert saves like any change: in one transaction, so the version check holds.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    @staticmethod
    def _check_id(model, value):
        """An id that can't be one (e.g. "abc" for a number) is a page that doesn't exist."""
        try:
            model._meta.pk.to_python(unquote(value))
        except ValidationError as error:
            raise Http404(f"No {model._meta.verbose_name} {value!r}.") from error
