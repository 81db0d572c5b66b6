from django import forms

from claims.exports import FORMATS
from claims.search import RESULT_KINDS
from core.search import SearchTextField


class ExportForm(forms.Form):
    q = SearchTextField(label="Search")
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS])


class SearchForm(forms.Form):
    q = SearchTextField(label="Search")
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
