from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from articles.forms import ArticleForm, QuoteForm, QuoteProposalForm, QuoteRowForm
from articles.models import Article, Outlet, Person, Quote, QuoteProposal
from articles.proposals import accept_proposal, propose_quotes_for, reject_proposal
from core.admin import VersionedAdmin

# Editors paste bare domains; read them as https (Django 6's default) rather than http.
ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "language", "homepage"]
    list_filter = ["country", "language"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = ASSUME_HTTPS


@admin.register(Person)
class PersonAdmin(VersionedAdmin):
    list_display = ["name", "description", "wikidata_id"]
    list_filter = [("wikidata_id", admin.EmptyFieldListFilter)]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}


class QuoteInline(admin.StackedInline):
    model = Quote
    form = QuoteRowForm
    fields = ["text", "occurrence", "speaker", "speaker_label", "occasion", "note", "version"]
    autocomplete_fields = ["speaker"]
    extra = 0
    show_change_link = True


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["display_title", "outlet", "published_date", "published_date_precision"]
    list_filter = ["outlet", "published_date_precision", "language", "title_is_supplied"]
    search_fields = ["title", "body", "byline", "url"]
    autocomplete_fields = ["outlet", "authors"]
    readonly_fields = ["capture_sha256", "archived_at", "removed_boilerplate"]
    date_hierarchy = "published_date"
    inlines = [QuoteInline]
    formfield_overrides = ASSUME_HTTPS
    actions = ["propose_quotes"]
    fieldsets = [
        (None, {"fields": ["title", "title_is_supplied", "slug", "outlet", "url", "language"]}),
        ("Date and byline", {"fields": [
            ("published_date", "published_date_precision"), "byline", "authors"]}),
        ("Text", {"fields": ["body", "raw_capture", "capture_sha256", "removed_boilerplate"]}),
        ("Provenance", {"fields": ["retrieved_at", "archived_at", "provenance_note"]}),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        # The raw capture is what was retrieved: it is set once, when the article is added.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "raw_capture"] if obj else readonly

    @admin.display(description="title", ordering="title")
    def display_title(self, article):
        return article.display_title

    @admin.action(description="Propose quotes again for selected articles", permissions=["propose"])
    def propose_quotes(self, request, queryset):
        proposed = sum(len(propose_quotes_for(article)) for article in queryset)
        self.message_user(
            request, f"{proposed} quote proposal(s) waiting for an editor.", messages.SUCCESS
        )

    def has_propose_permission(self, request):
        return request.user.has_perm("articles.change_quoteproposal")


@admin.register(Quote)
class QuoteAdmin(VersionedAdmin):
    form = QuoteForm
    list_display = ["text", "speaker_display", "article"]
    list_filter = ["article__outlet", "speaker"]
    search_fields = ["text", "speaker__name", "speaker_label", "article__title"]
    autocomplete_fields = ["article", "speaker"]
    readonly_fields = ["start_offset", "end_offset"]
    list_select_related = ["speaker", "article"]

    @admin.display(description="speaker")
    def speaker_display(self, quote):
        return quote.speaker_display


@admin.register(QuoteProposal)
class QuoteProposalAdmin(admin.ModelAdmin):
    """Editors accept a proposed quotation (making it a Quote), correct its speaker first, or
    reject it. Proposals come from the archive (articles.proposals), never typed in."""

    form = QuoteProposalForm
    change_form_template = "admin/articles/quoteproposal/change_form.html"
    list_display = ["text", "proposed_speaker", "cue", "article", "status", "decided_by"]
    list_filter = ["status", ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "speaker__name", "new_speaker_name", "speaker_label", "article__title"]
    list_select_related = ["speaker", "article", "decided_by"]
    autocomplete_fields = ["speaker"]
    fields = [
        "article", "text", "in_the_article", "cue", "speaker", "new_speaker_name",
        "speaker_label", "status", "decided_by", "decided_at", "quote", "version",
    ]  # fmt: skip
    readonly_fields = [
        "article", "text", "in_the_article", "cue", "status", "decided_by", "decided_at", "quote",
    ]  # fmt: skip
    actions = ["accept_selected", "reject_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("article__raw_capture", "article__search_vector")

    @admin.display(description="speaker")
    def proposed_speaker(self, proposal):
        return proposal.proposed_speaker or "—"

    @admin.display(description="in the article")
    def in_the_article(self, proposal):
        body, start, end = proposal.article.body, proposal.start_offset, proposal.end_offset
        return format_html(
            "…{}<mark>{}</mark>{}…", body[max(0, start - 300) : start], body[start:end],
            body[end : end + 300],
        )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        decided = obj is not None and obj.status != QuoteProposal.Status.PROPOSED
        return not decided and super().has_change_permission(request, obj)

    def has_accept_permission(self, request):
        # Accepting adds a quote: an editor needs the right to add one by hand.
        return self.has_change_permission(request) and request.user.has_perm("articles.add_quote")

    def response_change(self, request, obj):
        if "_accept" in request.POST:
            if not self.has_accept_permission(request):
                self.message_user(request, "You may not add quotes.", messages.ERROR)
                return HttpResponseRedirect(request.path)
            return self._decided(request, obj, accept_proposal, "Accepted: it is now a quote.")
        if "_reject" in request.POST:
            return self._decided(request, obj, reject_proposal, "Rejected.")
        return super().response_change(request, obj)

    def _decided(self, request, proposal, decide, success):
        try:
            decide(proposal, request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(request, f"“{proposal.text}”: {success}", messages.SUCCESS)
        return self.response_post_save_change(request, proposal)

    @admin.action(description="Accept selected proposals as proposed", permissions=["accept"])
    def accept_selected(self, request, queryset):
        self._decide_all(request, queryset, accept_proposal, "accepted")

    @admin.action(description="Reject selected proposals", permissions=["change"])
    def reject_selected(self, request, queryset):
        self._decide_all(request, queryset, reject_proposal, "rejected")

    def _decide_all(self, request, queryset, decide, done):
        """Each proposal on its own: one that can't be accepted is reported, the rest go on."""
        decided = 0
        for proposal in queryset:
            try:
                decide(proposal, request.user)
            except ValidationError as error:
                message = f"“{proposal.text[:80]}”: {' '.join(error.messages)}"
                self.message_user(request, message, messages.WARNING)
                continue
            decided += 1
        self.message_user(request, f"{decided} proposal(s) {done}.", messages.SUCCESS)
