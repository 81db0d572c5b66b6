import base64
import secrets

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from articles.capture import add_proposed_outlet, capture_archive, delete_capture, preview
from articles.extraction import CaptureRefused
from articles.fetch import CAPTURE_BY_URL_DEADLINE, DEADLINE, RetrievalTooSlow, fetch
from articles.forms import ArchiveCaptureForm, QuoteForm, QuoteProposalForm, QuoteRowForm
from articles.models import Article, Capture, Outlet, Person, Quote, QuoteProposal, capture_hash
from articles.proposals import accept_proposal, propose_quotes_for, reject_proposal
from articles.signals import proposals_wanted
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
    fields = [
        "text", "occurrence", "speaker", "speaker_label", "occasion", "note", "transmission",
        "transmission_note", "version",
    ]  # fmt: skip
    autocomplete_fields = ["speaker"]
    extra = 0
    show_change_link = True


class ChangedSinceFirstCaptureFilter(admin.SimpleListFilter):
    title = "changed since first capture"
    parameter_name = "changed"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        changed = Article.objects.changed_since_first_capture().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=changed)
        if self.value() == "no":
            return queryset.exclude(pk__in=changed)
        return queryset


class CaptureInline(admin.TabularInline):
    """An article's captures, to read: captures enter only through "Archive a capture"."""

    model = Capture
    fields = ["retrieved_at", "origin", "final_url", "http_status", "sha256", "archived_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw", "text")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["display_title", "outlet_shown", "published_date", "published_date_precision"]
    list_select_related = ["outlet"]
    list_filter = [
        ChangedSinceFirstCaptureFilter, "outlet", "published_date_precision", "language",
        "title_is_supplied",
    ]  # fmt: skip
    search_fields = ["title", "body", "byline", "url"]
    autocomplete_fields = ["outlet", "authors"]
    readonly_fields = ["body", "archived_at", "proposed_outlet"]
    date_hierarchy = "published_date"
    inlines = [CaptureInline, QuoteInline]
    formfield_overrides = ASSUME_HTTPS
    actions = ["propose_again", "add_proposed_outlets"]
    fieldsets = [
        (None, {"fields": [
            "title", "title_is_supplied", "slug", "outlet", "proposed_outlet", "url", "language",
        ]}),
        ("Date and byline", {"fields": [
            ("published_date", "published_date_precision"), "byline", "authors"]}),
        ("Text of the latest capture", {"fields": ["body"]}),
        ("Provenance", {"fields": ["archived_at", "provenance_note"]}),
    ]  # fmt: skip

    def add_view(self, request, form_url="", extra_context=None):
        # An article enters the archive with its first capture.
        return redirect("admin:articles_capture_add")

    @admin.display(description="title", ordering="title")
    def display_title(self, article):
        return article.display_title

    @admin.display(description="outlet", ordering="outlet__name")
    def outlet_shown(self, article):
        if article.outlet is None and article.proposed_outlet:
            return f"— (the page names its site “{article.proposed_outlet}”)"
        return article.outlet or "—"

    @admin.action(
        description="Add the outlets their pages name to selected articles",
        permissions=["add_outlet"],
    )
    def add_proposed_outlets(self, request, queryset):
        added = [article for article in queryset if add_proposed_outlet(article)]
        message = f"{len(added)} article(s) now have the outlet their page names"
        if added:
            message += ": " + ", ".join(sorted({f"“{article.outlet}”" for article in added}))
        message += ". An article with an outlet, or whose page names none, is left as it was."
        self.message_user(request, message, messages.SUCCESS)

    def has_add_outlet_permission(self, request):
        # Editors may: the outlet is the page's own name, and only an article without one
        # takes it (they change no article otherwise).
        return request.user.has_perm("articles.add_outlet")

    @admin.action(
        description="Propose quotes and claims again for selected articles", permissions=["propose"]
    )
    def propose_again(self, request, queryset):
        quotes = claims = 0
        for article in queryset:
            quotes += len(propose_quotes_for(article))
            # The claims app proposes the claims it reports (articles knows nothing of claims).
            proposals_wanted.send(sender=Article, article=article)
            claims += article.appearance_proposals.filter(status="proposed").count()
        self.message_user(
            request,
            f"{quotes} quote proposal(s) and {claims} claim proposal(s) waiting for an editor.",
            messages.SUCCESS,
        )

    def has_propose_permission(self, request):
        return request.user.has_perm("articles.change_quoteproposal")


@admin.register(Capture)
class CaptureAdmin(admin.ModelAdmin):
    """Captures are read here, archived through a preview, and never changed; archivists may
    delete one that no quote rests on, unless it is its article's only capture."""

    list_display = ["__str__", "article", "origin", "final_url", "sha256"]
    list_filter = ["origin", "content_type"]
    list_select_related = ["article"]
    search_fields = ["sha256", "request_url", "final_url", "article__title"]
    actions = None  # deleting goes through delete_capture, one at a time
    fields = [
        "article", "origin", "content_type", "request_url", "final_url", "http_status",
        "http_headers", "retrieved_at", "archived_at", "sha256", "extractor", "text",
        "removed_boilerplate", "warc",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="WARC file")
    def warc(self, capture):
        if capture.http_status is None:
            return "none: not retrieved by URL"
        url = reverse("articles:capture_warc", args=[capture.article_id, capture.pk])
        return format_html('<a href="{}">download</a>', url)

    def delete_model(self, request, capture):
        delete_capture(capture)

    def delete_view(self, request, object_id, extra_context=None):
        capture = self.get_object(request, object_id)
        if capture is not None and request.method == "POST":
            try:
                delete_capture(capture, check_only=True)
            except CaptureRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
                return redirect("admin:articles_capture_change", capture.pk)
        return super().delete_view(request, object_id, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        """Archive a capture in two steps: preview what would be archived, then archive it. The
        bytes wait in the session in between, so the preview is exactly what is saved."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "_archive" in request.POST:
            return self._archive_pending(request)
        form = ArchiveCaptureForm(request.POST or None, request.FILES or None, user=request.user)
        form.fields["url"].help_text += (
            f" It must arrive within {CAPTURE_BY_URL_DEADLINE} s; for a slower site, use the "
            f"command manage.py archive URL, which waits up to {DEADLINE} s."
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Archive a capture",
            "opts": self.model._meta,
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            try:
                pending = _pending_capture(form)
                context["preview"] = preview(
                    pending["raw"],
                    content_type=pending["content_type"],
                    title=pending["title"],
                    url=pending["final_url"] or pending["url"],
                )
            except RetrievalTooSlow as refused:
                form.add_error(
                    None, f"{refused} The command manage.py archive URL waits up to {DEADLINE} s."
                )
            except CaptureRefused as refused:
                form.add_error(None, str(refused))
            else:
                context["duplicate"] = (
                    Capture.objects.defer("raw")
                    .select_related("article")
                    .filter(sha256=capture_hash(pending["raw"]))
                    .first()
                )
                context.update(_outlet_of_preview(request, form, context["preview"]))
                context["pending_id"] = _keep_pending(request, pending, form)
        return TemplateResponse(request, "admin/articles/capture/archive.html", context)

    def _archive_pending(self, request):
        pending = request.session.get(PENDING_KEY)
        if not pending or pending["id"] != request.POST.get("pending"):
            self.message_user(
                request, "That preview is no longer waiting to be archived; start again.",
                messages.ERROR,
            )  # fmt: skip
            return redirect("admin:articles_capture_add")
        del request.session[PENDING_KEY]
        outlet = (
            Outlet.objects.filter(pk=pending["outlet"]).first() or pending["new_outlet"] or None
        )
        # The editor confirmed the name the page gives its site as a new outlet.
        add_site_outlet = "add_site_outlet" in request.POST and request.user.has_perm(
            "articles.add_outlet"
        )
        try:
            archived = capture_archive(
                raw=base64.b64decode(pending["raw"]),
                origin=pending["origin"],
                url=pending["url"],
                final_url=pending["final_url"],
                retrieved_at=parse_datetime(pending["retrieved_at"] or ""),
                http_protocol=pending["http_protocol"],
                http_status=pending["http_status"],
                http_reason=pending["http_reason"],
                http_headers=pending["http_headers"],
                http_request_headers=pending["http_request_headers"],
                content_type=pending["content_type"],
                title=pending["title"],
                outlet=outlet,
                add_site_outlet=add_site_outlet,
            )
        except CaptureRefused as refused:
            self.message_user(request, f"Nothing was archived: {refused}", messages.ERROR)
            return redirect("admin:articles_capture_add")
        level = messages.SUCCESS if archived.stored else messages.WARNING
        self.message_user(request, f"The capture was {archived}.", level)
        return redirect("admin:articles_article_change", archived.article.pk)


@admin.register(Quote)
class QuoteAdmin(VersionedAdmin):
    form = QuoteForm
    list_display = ["text", "speaker_display", "article"]
    list_filter = ["article__outlet", "speaker", "transmission"]
    search_fields = ["text", "speaker__name", "speaker_label", "article__title"]
    autocomplete_fields = ["article", "speaker"]
    readonly_fields = ["capture", "start_offset", "end_offset", "taken_from"]
    list_select_related = ["speaker", "article"]

    @admin.display(description="speaker")
    def speaker_display(self, quote):
        return quote.speaker_display

    @admin.display(description="taken from the reports")
    def taken_from(self, quote):
        """The sources (in the claims app) that record the quote as taken from them."""
        reports = "; ".join(str(source) for source in quote.quoted_from.all())
        return reports or "none recorded: add the quote to its report's source (Sources)"


class ProposalAdmin(admin.ModelAdmin):
    """What the admins of proposals share: proposals come from the archive, never typed in; an
    editor corrects one, then accepts or rejects it, and a decided one is read only.

    A subclass decides through `accept` and `reject` (which raise ValidationError saying why
    not), says what accepting makes (`accepted`) and who may (`has_accept_permission`,
    `accept_refused`)."""

    accepted = ""  # the message, e.g. "Accepted: it is now a quote."
    accept_refused = ""  # e.g. "You may not add quotes."
    actions = ["accept_selected", "reject_selected"]

    @admin.display(description="in the capture")
    def in_the_capture(self, proposal):
        text, start, end = proposal.capture.text, proposal.start_offset, proposal.end_offset
        return format_html(
            "{}:<br>…{}<mark>{}</mark>{}…", proposal.capture, text[max(0, start - 300) : start],
            text[start:end], text[end : end + 300],
        )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        decided = obj is not None and obj.status != obj.Status.PROPOSED
        return not decided and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Accepting or rejecting an unchanged proposal is a decision alone, not a save as well.
        if form.has_changed():
            super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        if "_accept" in request.POST:
            if not self.has_accept_permission(request):
                self.message_user(request, self.accept_refused, messages.ERROR)
                return HttpResponseRedirect(request.path)
            return self._decided(request, obj, self.accept, self.accepted)
        if "_reject" in request.POST:
            return self._decided(request, obj, self.reject, "Rejected.")
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
        self._decide_all(request, queryset, self.accept, "accepted")

    @admin.action(description="Reject selected proposals", permissions=["change"])
    def reject_selected(self, request, queryset):
        self._decide_all(request, queryset, self.reject, "rejected")

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


@admin.register(QuoteProposal)
class QuoteProposalAdmin(ProposalAdmin):
    """Editors accept a proposed quotation (making it a Quote), correct its speaker first, or
    reject it. Proposals come from the archive (articles.proposals)."""

    form = QuoteProposalForm
    change_form_template = "admin/articles/quoteproposal/change_form.html"
    list_display = ["text", "proposed_speaker", "cue", "article", "status", "decided_by"]
    list_filter = ["status", ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "speaker__name", "new_speaker_name", "speaker_label", "article__title"]
    list_select_related = ["speaker", "article", "decided_by"]
    autocomplete_fields = ["speaker"]
    fields = [
        "article", "text", "in_the_capture", "cue", "speaker", "new_speaker_name",
        "speaker_label", "transmission", "transmission_note", "status", "decided_by",
        "decided_at", "quote", "version",
    ]  # fmt: skip
    readonly_fields = [
        "article", "text", "in_the_capture", "cue", "status", "decided_by", "decided_at", "quote",
    ]  # fmt: skip
    accepted = "Accepted: it is now a quote."
    accept_refused = "You may not add quotes."

    def get_queryset(self, request):
        return super().get_queryset(request).defer("article__body", "article__search_vector")

    @admin.display(description="speaker")
    def proposed_speaker(self, proposal):
        return proposal.proposed_speaker or "—"

    def accept(self, proposal, editor):
        return accept_proposal(proposal, editor)

    def reject(self, proposal, editor):
        reject_proposal(proposal, editor)

    def has_accept_permission(self, request):
        # Accepting adds a quote: an editor needs the right to add one by hand.
        return self.has_change_permission(request) and request.user.has_perm("articles.add_quote")


PENDING_KEY = "capture_awaiting_archive"


def _pending_capture(form):
    """What the form gives, as capture_archive() takes it (the URL retrieved now)."""
    data = form.cleaned_data
    pending = {"url": "", "final_url": "", "retrieved_at": None, "http_protocol": "",
               "http_status": None, "http_reason": "", "http_headers": [],
               "http_request_headers": [], "content_type": "",
               "title": data["title"].strip()}  # fmt: skip
    if data["url"]:
        pending.update(fetch(data["url"], deadline=CAPTURE_BY_URL_DEADLINE).as_capture())
    elif data["file"]:
        name = data["file"].name.lower()
        pending.update(
            origin=Capture.Origin.FILE,
            raw=data["file"].read(),
            content_type="text/plain" if name.endswith((".txt", ".text")) else "",
        )
    else:
        # A text area sends CRLF line breaks, whatever was pasted: kept as LF, the archive's form.
        text = data["text"].replace("\r\n", "\n")
        pending.update(origin=Capture.Origin.PASTE, raw=text.encode(), content_type="text/plain")
    return pending


def _outlet_of_preview(request, form, extracted):
    """What the preview says of the outlet: the one chosen or named, else the archive's outlet
    of the name the page gives its site, else that name, which an editor may confirm as a new
    outlet (`site_name_to_add`); the archive never adds one unasked."""
    chosen = form.cleaned_data["outlet"] or form.cleaned_data.get("new_outlet", "").strip()
    if chosen or not extracted.site_name:
        return {"preview_outlet": chosen}
    outlet = Outlet.objects.filter(name__iexact=extracted.site_name).first()
    if outlet or not request.user.has_perm("articles.add_outlet"):
        return {"preview_outlet": outlet}
    return {"preview_outlet": None, "site_name_to_add": extracted.site_name}


def _keep_pending(request, pending, form):
    """Keep the previewed capture in the session until it is archived; returns its id."""
    pending_id = secrets.token_urlsafe(16)
    retrieved_at = pending["retrieved_at"]
    request.session[PENDING_KEY] = {
        **pending,
        "id": pending_id,
        "raw": base64.b64encode(pending["raw"]).decode("ascii"),
        "retrieved_at": retrieved_at.isoformat() if retrieved_at else None,
        "outlet": form.cleaned_data["outlet"].pk if form.cleaned_data["outlet"] else None,
        "new_outlet": form.cleaned_data.get("new_outlet", "").strip(),
    }
    return pending_id
