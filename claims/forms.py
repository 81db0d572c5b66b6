from django import forms

from articles.forms import WORDS_NOT_IN_TEXT, AnchoredTextForm, occurrences
from claims.exports import FORMATS
from claims.models import Appearance, AppearanceProposal, Claim
from claims.search import RESULT_KINDS
from core.admin import VersionedForm, VersionedRowForm
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


class ClaimForm(VersionedForm):
    """A claim's form. A revert to a version whose status the workflow does not lead back to (a
    weighed claim is never "reported" again) restores the version's words and links and keeps
    the claim's status: `status_kept` tells the editor so."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status_kept = ""
        if self.reverting_to is None:
            return
        saved = Claim.objects.filter(pk=self.instance.pk).values_list("status", flat=True).first()
        recorded = self.reverting_to.status
        if saved and not Claim.can_change_status(saved, recorded):
            self.initial["status"] = saved
            labels = dict(Claim.Status.choices)
            self.status_kept = (
                f"This version's status, {labels[recorded].lower()}, is one a "
                f"{labels[saved].lower()} claim can't return to. Reverting restores the "
                "version's statement, date, source, articles, evidence, topics and editor notes, "
                f"and keeps the status {labels[saved].lower()}."
            )


class AppearanceForm(VersionedRowForm, AnchoredTextForm):
    """A row of a claim's appearances: the editor chooses a reporting article and pastes the
    words that report the claim; only changed rows are checked and saved."""

    class Meta:
        model = Appearance
        fields = ["article", "text", "occurrence", "attribution", "source"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.capture_id:
            check_attribution(self, self.instance.capture.text)
        return cleaned


class AppearanceProposalForm(VersionedForm):
    """An editor's correction of an appearance proposal before accepting it: another claim (or,
    for a new claim, its statement and people), other words of the same capture, whom they
    credit, the source they cite."""

    class Meta:
        model = AppearanceProposal
        fields = ["claim", "text", "attribution", "source", "new_statement", "actors", "claimant"]

    def clean(self):
        cleaned = super().clean()
        text, capture_text = cleaned.get("text"), self.instance.capture.text
        if text:
            starts = occurrences(text, capture_text)
            if not starts:
                self.add_error("text", WORDS_NOT_IN_TEXT)
            else:
                # Words that stand more than once: where they stand nearest the proposed ones.
                start = min(starts, key=lambda at: abs(at - self.instance.start_offset))
                self.instance.start_offset, self.instance.end_offset = start, start + len(text)
                cleaned["text"] = capture_text[start : start + len(text)]
        check_attribution(self, capture_text)
        return cleaned


def check_attribution(form, text):
    """Whom the words credit must stand in the capture's text as the editor copied it."""
    attribution = form.cleaned_data.get("attribution")
    if not attribution:
        return
    starts = occurrences(attribution, text)
    if starts:
        form.cleaned_data["attribution"] = text[starts[0] : starts[0] + len(attribution)]
    else:
        form.add_error(
            "attribution",
            "Copy whom the article credits exactly as it stands in its text (e.g. "
            "“according to Bloomberg”), or leave this empty.",
        )


class AppearanceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The claim's form is posted with its formsets: the articles chosen there are the ones
        # that will report it once saved. Unchanged rows are not checked: an appearance outlives
        # its article's link, so that a revert restoring the link restores its words too.
        reporting = set(self.data.getlist("articles"))
        for form in self.forms:
            article = form.cleaned_data.get("article")
            if not form.has_changed() or form.cleaned_data.get("DELETE") or article is None:
                continue
            if str(article.pk) not in reporting:
                form.add_error(
                    "article",
                    "This article is not among the claim's reporting articles: add it to "
                    "“Articles” above, or remove this appearance.",
                )
