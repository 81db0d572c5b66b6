from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.template.response import TemplateResponse

from articles.admin import ASSUME_HTTPS, ProposalAdmin
from claims.appearance_proposals import accept_appearance_proposal, reject_appearance_proposal
from claims.forms import AppearanceForm, AppearanceFormSet, AppearanceProposalForm, ClaimForm
from claims.models import (
    Annotation,
    Appearance,
    AppearanceProposal,
    Claim,
    ClaimActor,
    Source,
    SpellingVariant,
    Topic,
)
from core.admin import LabelledTabularInline, VersionedAdmin, VersionedForm, history_paused
from core.models import StaleEditError


@admin.register(Topic)
class TopicAdmin(VersionedAdmin):
    list_display = ["name", "description"]
    list_filter = ["claims__status"]
    search_fields = ["name", "synonyms", "description"]
    prepopulated_fields = {"slug": ["name"]}


class SourceForm(VersionedForm):
    """A source's form (the admin makes its fields) that links only quotes taken from a report."""

    def clean_quotes(self):
        quotes = self.cleaned_data["quotes"]
        if contradicting := Source.quotes_not_from_a_report(quotes):
            raise forms.ValidationError(
                "These quotes do not say they were taken from another report; set their "
                "transmission to “quoted from another report” or “attributed differently” "
                "first: " + "; ".join(f"{quote} ({quote.get_transmission_display().lower()})"
                                      for quote in contradicting)
            )  # fmt: skip
        return quotes


@admin.register(Source)
class SourceAdmin(VersionedAdmin):
    form = SourceForm
    list_display = ["__str__", "publisher", "kind", "date", "date_precision"]
    list_filter = ["kind", "publisher"]
    search_fields = ["publisher", "title", "notes"]
    autocomplete_fields = ["quotes"]
    formfield_overrides = ASSUME_HTTPS


@admin.register(SpellingVariant)
class SpellingVariantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "note"]
    list_filter = ["note"]
    search_fields = ["terms", "note"]


class ClaimActorInline(LabelledTabularInline):
    model = ClaimActor
    autocomplete_fields = ["person"]
    extra = 1


class AppearanceInline(admin.StackedInline):
    """Where each reporting article reports the claim: words pasted from the article, whose
    offsets the form finds (as for quotes)."""

    model = Appearance
    form = AppearanceForm
    formset = AppearanceFormSet
    fields = ["article", "text", "occurrence", "attribution", "source", "version"]
    autocomplete_fields = ["article", "source"]
    extra = 0
    verbose_name = "appearance in a reporting article"

    def get_queryset(self, request):
        # Each row's form reads its capture's text (to find the occurrence), article and source.
        rows = super().get_queryset(request).select_related("capture", "article", "source")
        return rows.defer("capture__raw")


class AnnotationInline(LabelledTabularInline):
    """Notes are added, never rewritten: each keeps its author and time."""

    model = Annotation
    fields = ["text", "visibility", "author_name", "created_at"]
    readonly_fields = ["author_name", "created_at"]
    extra = 1

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="author")
    def author_name(self, annotation):
        return annotation.author_name if annotation.author_id else "you"


class AddTopicForm(forms.Form):
    topic = forms.ModelChoiceField(queryset=Topic.objects.all())


@admin.register(Claim)
class ClaimAdmin(VersionedAdmin):
    form = ClaimForm
    list_display = [
        "__str__", "status", "topic_names", "actor_names", "reporting_outlets", "last_editor",
        "updated_at",
    ]  # fmt: skip
    list_editable = ["status"]
    # The model's, said again: a grouped query (the counts below) keeps no default ordering, and
    # the autocomplete of appearance proposals pages through claims.
    ordering = Claim._meta.ordering
    list_filter = ["status", "topics", "articles__outlet", "source"]
    search_fields = ["statement", "notes", "evidence__text"]
    autocomplete_fields = ["topics", "source", "articles", "evidence"]
    inlines = [ClaimActorInline, AppearanceInline, AnnotationInline]
    readonly_fields = ["created_at", "updated_at"]
    actions = [
        "mark_corroborated", "mark_disputed", "mark_denied", "mark_retracted", "add_topic",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["statement", "slug", "status", "version",
                           ("claimed_date", "claimed_date_precision")]}),
        ("Provenance", {"fields": ["source", "articles", "evidence", "topics"]}),
        ("Public editor notes", {"fields": ["notes", "created_at", "updated_at"]}),
    ]  # fmt: skip

    def get_queryset(self, request):
        last_editor = Claim.history.filter(id=OuterRef("pk")).order_by("-history_date")
        return (
            super()
            .get_queryset(request)
            .select_related("source")
            .prefetch_related("topics", "claim_actors__person")
            .annotate(
                outlet_count=Count("articles__outlet", distinct=True),
                last_editor_name=Subquery(last_editor.values("history_user__username")[:1]),
            )
        )

    @admin.display(description="topics")
    def topic_names(self, claim):
        return ", ".join(topic.name for topic in claim.topics.all())

    @admin.display(description="actors")
    def actor_names(self, claim):
        return ", ".join(actor.person.name for actor in claim.claim_actors.all())

    @admin.display(description="outlets", ordering="outlet_count")
    def reporting_outlets(self, claim):
        return claim.outlet_count

    @admin.display(description="last editor", ordering="last_editor_name")
    def last_editor(self, claim):
        return claim.last_editor_name or "—"

    def render_history_view(self, request, template, context, **kwargs):
        # A revert that keeps the claim's status says so above its form.
        form = getattr(context.get("adminform"), "form", None)  # none on the list of versions
        if form is not None and form.status_kept:
            messages.warning(request, form.status_kept)
        return super().render_history_view(request, template, context, **kwargs)

    def save_formset(self, request, form, formset, change):
        if formset.model is Annotation:
            for annotation in formset.save(commit=False):
                annotation.author = request.user
                annotation.save()
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description="Mark selected claims corroborated")
    def mark_corroborated(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.CORROBORATED)

    @admin.action(description="Mark selected claims disputed")
    def mark_disputed(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.DISPUTED)

    @admin.action(description="Mark selected claims denied")
    def mark_denied(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.DENIED)

    @admin.action(description="Mark selected claims retracted")
    def mark_retracted(self, request, queryset):
        self._set_status(request, queryset, Claim.Status.RETRACTED)

    def _set_status(self, request, queryset, status):
        """Each claim is saved on its own, so each change is versioned and in its history."""
        changed, refused = 0, []
        for claim in queryset:
            if not Claim.can_change_status(claim.status, status):
                refused.append(
                    f"claim {claim.pk}: {Claim.status_change_refusal(claim.status, status)}"
                )
                continue
            claim.status = status
            claim._history_user = request.user
            try:
                claim.save()
            except StaleEditError as error:
                refused.append(str(error))
                continue
            changed += 1
        self.message_user(request, f"{changed} claim(s) marked {status}.", messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description="Add a topic to selected claims")
    def add_topic(self, request, queryset):
        form = AddTopicForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            topic = form.cleaned_data["topic"]
            for claim in queryset:
                with history_paused(claim):
                    claim.topics.add(topic)
                claim._history_user = request.user
                claim.save()  # a new version, recorded in the history with its topics
            self.message_user(request, f"Added {topic} to {queryset.count()} claim(s).")
            return None
        return TemplateResponse(
            request,
            "admin/claims/claim/add_topic.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "claims": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "title": "Add a topic to claims",
            },
        )


class ProposalKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("appearance", "A claim the archive holds"), ("new", "A new claim")]

    def queryset(self, request, queryset):
        if self.value() == "appearance":
            return queryset.filter(claim__isnull=False)
        if self.value() == "new":
            return queryset.filter(claim__isnull=True)
        return queryset


@admin.register(AppearanceProposal)
class AppearanceProposalAdmin(ProposalAdmin, VersionedAdmin):
    """Editors accept words an archived article reports a claim in (making them the claim's
    appearance, and the article one that reports it), correct them first (another claim, other
    words, whom they credit, the source they cite, a new claim's statement and people), or
    reject them. Proposals come from the archive (claims.appearance_proposals); their history
    keeps each correction and the decision."""

    form = AppearanceProposalForm
    list_display = [
        "text", "claim_or_new", "score", "attribution", "article", "status", "decided_by",
    ]  # fmt: skip
    list_filter = ["status", ProposalKindFilter, ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "claim__statement", "new_statement", "attribution", "article__title"]
    list_select_related = ["claim", "article", "decided_by"]
    autocomplete_fields = ["claim", "source", "actors", "claimant"]
    fieldsets = [
        (None, {"fields": ["article", "in_the_capture", "text", "score", "claim", "attribution",
                           "source", "version"]}),
        ("A new claim", {
            "fields": ["new_statement", "actors", "claimant"],
            "description": "Only for words that report no claim of the archive (no claim "
            "above): accepting makes this claim, with these people.",
        }),
        ("Decision", {"fields": ["status", "decided_by", "decided_at", "appearance"]}),
    ]  # fmt: skip
    readonly_fields = [
        "article", "in_the_capture", "score", "status", "decided_by", "decided_at", "appearance",
    ]  # fmt: skip
    accepted = "Accepted: it is now an appearance of its claim."
    accept_refused = "You may not add appearances to claims."

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("article__body", "article__search_vector", "claim__search_vector")
        )

    @admin.display(description="claim", ordering="claim")
    def claim_or_new(self, proposal):
        return proposal.claim or "new claim"

    def accept(self, proposal, editor):
        if proposal.is_new_claim and not editor.has_perm("claims.add_claim"):
            raise ValidationError(
                "Accepting would add a new claim, and you may not add claims: choose the claim "
                "these words report, or leave the proposal to an editor who may."
            )
        return accept_appearance_proposal(proposal, editor)

    def reject(self, proposal, editor):
        reject_appearance_proposal(proposal, editor)

    def has_accept_permission(self, request):
        # Accepting adds an appearance to a claim and lists the article on it: an editor needs
        # the rights to do that by hand, in the claim's form.
        return self.has_change_permission(request) and request.user.has_perms(
            ["claims.add_appearance", "claims.change_claim"]
        )

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The history is read, never reverted: a decided proposal made to wait again would be
        # decided twice, its appearance forgotten.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
