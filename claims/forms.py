from django import forms

from claims.search import MAX_QUERY_LENGTH, RESULT_KINDS


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False)
    type = forms.ChoiceField(
        choices=[("all", "Everything"), *((kind, kind.title()) for kind in RESULT_KINDS)],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False)

    def clean_type(self):
        return self.cleaned_data["type"] or "all"

    def clean_page(self):
        return self.cleaned_data["page"] or 1
