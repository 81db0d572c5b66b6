import re

from django import forms
from django.core.validators import URLValidator
from django.utils.encoding import iri_to_uri

from articles.extraction import MAX_CAPTURE_BYTES
from articles.models import Capture, Outlet, Quote, QuoteProposal
from core.admin import VersionedForm, VersionedRowForm


class ArticleViewForm(forms.Form):
    """Parameters of an article page: the quote to bring forward, from a quote's permalink, and
    the capture whose text to show (the capture's own page, now: articles.views)."""

    quote = forms.IntegerField(min_value=1, required=False)
    capture = forms.IntegerField(min_value=1, required=False)


class ArticleListForm(forms.Form):
    """The page of a list of articles: an outlet's, or a person's."""

    page = forms.IntegerField(min_value=1, required=False)


class OriginalUrlField(forms.URLField):
    """The address of a web page, as a URI: what a capture is looked up by (articles.memento).
    An IRI or a pasted address with spaces is percent-encoded, as browsers send it."""

    default_validators = [
        URLValidator(
            schemes=["http", "https"],
            message="Enter the address of a web page, starting with http:// or https://.",
        )
    ]

    def __init__(self, **kwargs):
        max_length = Capture._meta.get_field("request_url").max_length
        super().__init__(max_length=max_length, assume_scheme="https", **kwargs)

    def to_python(self, value):
        return super().to_python(iri_to_uri(value.strip()) if value else value)


class OriginalUrlForm(forms.Form):
    """The address whose captures to find: the lookup page's form, and the URL in the path of
    the TimeGate and TimeMaps."""

    url = OriginalUrlField(label="Address of a page")


class ArticleChangesForm(forms.Form):
    """The two captures of an article to compare: by default its first and its latest."""

    old = forms.TypedChoiceField(coerce=int, required=False, label="from the capture of")
    new = forms.TypedChoiceField(coerce=int, required=False, label="to the capture of")

    def __init__(self, *args, captures, **kwargs):
        super().__init__(*args, **kwargs)
        self.captures = {capture.pk: capture for capture in captures}
        choices = [(capture.pk, str(capture)) for capture in captures]
        self.fields["old"].choices = self.fields["new"].choices = choices
        for name in ["old", "new"]:
            self.fields[name].error_messages["invalid_choice"] = "There is no capture %(value)s."
        ordered = sorted(captures, key=Capture.latest_key)
        self.initial = {"old": ordered[0].pk, "new": ordered[-1].pk}

    def clean(self):
        cleaned = super().clean()
        for name in ["old", "new"]:
            if name in cleaned:
                cleaned[name] = self.captures[cleaned[name] or self.initial[name]]
        return cleaned


WORDS_NOT_IN_TEXT = (
    "These words are not in the article's text. Paste them word for word as they stand there "
    "(straight and curly quotation marks and apostrophes, and dashes of any length, are read "
    "alike)."
)


WORDS_MISSING = {
    "article": "Choose the article the words are from.",
    "text": "Paste the article's words, exactly as they stand in its text.",
}


class AnchoredTextForm(VersionedForm):
    """An editor pastes words of an article (AnchoredText: a quote, a claim's appearance); the
    form finds where they stand: in the text of the capture they were read in, or, for new
    words, of the article's latest capture."""

    occurrence = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Only when the words appear more than once in the article: which one "
        "(1 for the first).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in WORDS_MISSING.items():
            if name in self.fields:  # an article's inline has no field for its article
                self.fields[name].error_messages["required"] = message
        if self.instance.pk:
            # Start from the occurrence the stored offset already says, so an unchanged save
            # keeps it.
            starts = occurrences(self.instance.text, self.instance.capture.text)
            if len(starts) > 1 and self.instance.start_offset in starts:
                self.initial["occurrence"] = starts.index(self.instance.start_offset) + 1

    def clean(self):
        # The form anchors the words: the old anchor goes, and a new one is set only where the
        # words are found. Words left unanchored are refused here, on the field to fix, and the
        # model's own check (AnchoredText.clean) has nothing stale to report.
        self.instance.start_offset = self.instance.end_offset = None
        cleaned = super().clean()
        article = cleaned.get("article")  # also in an article's inline: its parent
        text = cleaned.get("text")
        if article is None or not text:
            return cleaned
        capture = self.instance.capture if self.instance.capture_id else None
        if capture is None or capture.article_id != article.pk:
            capture = article.latest_capture
        self.instance.capture = capture
        starts = occurrences(text, capture.text)
        occurrence = cleaned.get("occurrence")
        if not starts:
            raise forms.ValidationError({"text": WORDS_NOT_IN_TEXT})
        if len(starts) > 1 and not occurrence:
            raise forms.ValidationError(
                {"occurrence": f"These words appear {len(starts)} times in the article: say "
                 "which occurrence you mean."}
            )  # fmt: skip
        if occurrence and occurrence > len(starts):
            raise forms.ValidationError(
                {"occurrence": f"The words appear only {len(starts)} time(s) in the article."}
            )
        start = starts[(occurrence or 1) - 1]
        self.instance.start_offset, self.instance.end_offset = start, start + len(text)
        cleaned["text"] = capture.text[start : start + len(text)]  # its marks, not the paste's
        return cleaned


class QuoteForm(AnchoredTextForm):
    class Meta:
        model = Quote
        fields = [
            "article", "text", "occurrence", "speaker", "speaker_label", "occasion",
            "occasion_date", "occasion_date_precision", "note", "transmission",
            "transmission_note",
        ]  # fmt: skip

    def clean_transmission(self):
        """A quote that a source records as taken from it keeps a transmission that says so."""
        transmission = self.cleaned_data["transmission"]
        if self.instance.pk and transmission not in Quote.FROM_A_REPORT:
            reports = "; ".join(str(source) for source in self.instance.quoted_from.all())
            if reports:
                raise forms.ValidationError(
                    f"The source {reports} records this quote as taken from it: remove the quote "
                    "from that source first, or choose a transmission from a report."
                )
        return transmission


class QuoteRowForm(VersionedRowForm, QuoteForm):
    """A quote in its article's form: checked and saved only when the editor changed it."""


class QuoteProposalForm(VersionedForm):
    """An editor's correction of a proposal's speaker (a chosen person replaces a proposed new
    one), and how the words reached the article, which only an editor can say."""

    class Meta:
        model = QuoteProposal
        fields = [
            "speaker", "new_speaker_name", "speaker_label", "transmission", "transmission_note",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("speaker"):
            cleaned["new_speaker_name"] = self.instance.new_speaker_name = ""
        return cleaned


# Characters that pasted words may have where the text has another of the same group: keyboards
# type ' " - and spaces where pages print ’ “ ” – — and no-break spaces, and copying from one
# place to another changes them either way. One character stands for one, so pasted words are
# as long as the text's: their offsets are exact.
# (Escaped: the modifier letter apostrophe, hyphen, non-breaking hyphen, no-break spaces.)
TYPOGRAPHIC_VARIANTS = ["'’‘\u02bc", '"“”„', "-\u2010\u2011–—", " \u00a0\u202f"]
VARIANT_PATTERNS = {
    char: f"[{re.escape(group)}]" for group in TYPOGRAPHIC_VARIANTS for char in group
}


def occurrences(words, text):
    """Where the words start in the text, in order (overlapping occurrences included), read
    with any of their TYPOGRAPHIC_VARIANTS: the text's own words are text[start:start +
    len(words)]."""
    pattern = "".join(VARIANT_PATTERNS.get(char, re.escape(char)) for char in words)
    return [match.start() for match in re.finditer(f"(?={pattern})", text)]


class ArchiveCaptureForm(forms.Form):
    """Archive one capture: a URL the server retrieves, an uploaded HTML or text file, or pasted
    text; with its outlet, chosen or added by name."""

    url = forms.URLField(
        label="URL",
        required=False,
        assume_scheme="https",
        max_length=2000,
        help_text="The server retrieves the page now (http or https, public addresses only).",
    )
    file = forms.FileField(
        required=False,
        help_text="An HTML page saved from a browser, or a plain-text file.",
        max_length=255,
    )
    text = forms.CharField(
        label="or pasted text", widget=forms.Textarea, required=False, strip=False
    )
    title = forms.CharField(
        max_length=500,
        required=False,
        help_text="For plain text, which marks no headline: the article's headline as it stands "
        "in the text, or a title of yours (shown in [brackets]). Pages give their own.",
    )
    outlet = forms.ModelChoiceField(
        Outlet.objects.all(),
        required=False,
        help_text="Leave empty to take the outlet the page names its site after: the preview "
        "offers to add it when the archive has no outlet of that name.",
    )
    new_outlet = forms.CharField(
        label="or a new outlet", max_length=200, required=False, help_text="Its name."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.has_perm("articles.add_outlet"):
            del self.fields["new_outlet"]  # adding outlets is for editors and archivists

    def clean(self):
        cleaned = super().clean()
        given = [name for name in ["url", "file", "text"] if cleaned.get(name)]
        if len(given) != 1:
            raise forms.ValidationError("Give one of: a URL, a file, or pasted text.")
        if cleaned.get("outlet") and cleaned.get("new_outlet", "").strip():
            raise forms.ValidationError(
                {"new_outlet": "Choose an outlet or name a new one, not both."}
            )
        upload = cleaned.get("file")
        if upload and upload.size > MAX_CAPTURE_BYTES:
            raise forms.ValidationError({"file": f"The file is too large: {upload.size:,} bytes, "
                                         f"more than the {MAX_CAPTURE_BYTES // 1024 // 1024} MB "
                                         "the archive takes."})  # fmt: skip
        return cleaned
