from django import forms

from claims.exports import FORMATS
from claims.search import MAX_QUERY_LENGTH, RESULT_KINDS


class ExportForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False)
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS])


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False)
    type = forms.ChoiceField(
        choices=[("all", "Everything"), *((kind, kind.title()) for kind in RESULT_KINDS)],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False)
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS], required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("format") and cleaned.get("type") in (None, "", "all"):
            raise forms.ValidationError("To download results, choose claims, quotes or articles.")
        return cleaned

    def clean_type(self):
        return self.cleaned_data["type"] or "all"

    def clean_page(self):
        return self.cleaned_data["page"] or 1
