"""Admin pieces shared by every app: version-checked forms, so no editor's save is silently lost."""

from django import forms
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

STALE_EDIT_MESSAGE = (
    "Someone else saved this {name} after you opened it (it is now at revision {current}, you "
    "started from {yours}). Nothing was saved. Your changes are still in the form: open the "
    "{name} in a new tab to see theirs, then save again from a fresh copy."
)


class VersionedForm(forms.ModelForm):
    """Carries the version the editor started from, and refuses the save if it has moved.

    The check locks the row: the admin validates and saves in one transaction, so of two
    editors saving at once, the second waits, then sees the first one's version and is refused.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = (
                self._saved_version() if self._is_revert() else (self.instance.version)
            )

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

    def _is_revert(self):
        # Reverting to an old version from the history starts from the current one.
        return hasattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME)

    def _saved_version(self, lock=False):
        rows = type(self.instance)._default_manager.filter(pk=self.instance.pk)
        if lock:
            rows = rows.select_for_update()
        return rows.values_list("version", flat=True).first()


class VersionedAdmin(SimpleHistoryAdmin):
    """History (view and revert) and version-checked saves for a model's admin."""

    form = VersionedForm

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, **{"form": VersionedForm, **kwargs})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A revert saves like any change: in one transaction, so the version check holds.
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)
