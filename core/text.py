"""One normal form for archived text, so that quote offsets mean the same thing everywhere.

Text reaches the archive from captures, fixtures, scripts and the admin's text areas, and browsers
send a text area's line breaks as CRLF whatever the stored text had. Offsets are counted in the
normalised text, and every way in normalises it the same way: here.
"""

import unicodedata

from django import forms
from django.db import models
from django.db.models.query_utils import DeferredAttribute


def normalise_line_breaks(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise_text(text):
    """LF line breaks, composed Unicode (NFC), no surrounding white space."""
    return unicodedata.normalize("NFC", normalise_line_breaks(text)).strip()


class NormalisedTextFormField(forms.CharField):
    def to_python(self, value):
        return normalise_text(super().to_python(value))


class _NormalisedOnAssignment(DeferredAttribute):
    """Normalises whatever is assigned, so a save, a form and a loaded fixture agree."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = (
            normalise_text(value) if isinstance(value, str) else value
        )


class NormalisedTextField(models.TextField):
    """A text field whose value is always in the archive's normal form (see normalise_text)."""

    descriptor_class = _NormalisedOnAssignment

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NormalisedTextFormField, **kwargs})
