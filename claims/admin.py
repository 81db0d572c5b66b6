from django.contrib import admin

from articles.admin import ASSUME_HTTPS
from claims.models import Claim, ClaimActor, Source, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "synonyms", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "publisher", "kind", "date", "date_precision"]
    list_filter = ["kind", "publisher"]
    search_fields = ["publisher", "title", "notes"]
    formfield_overrides = ASSUME_HTTPS


class ClaimActorInline(admin.TabularInline):
    model = ClaimActor
    autocomplete_fields = ["person"]
    extra = 1


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "source", "claimed_date", "updated_at"]
    list_filter = ["status", "topics", "articles__outlet", "source"]
    search_fields = ["statement", "notes", "evidence__text"]
    autocomplete_fields = ["topics", "source", "articles", "evidence"]
    list_select_related = ["source"]
    inlines = [ClaimActorInline]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {"fields": ["statement", "slug", "status", ("claimed_date", "claimed_date_precision")]},
        ),
        ("Provenance", {"fields": ["source", "articles", "evidence", "topics"]}),
        ("Editor notes", {"fields": ["notes", "created_at", "updated_at"]}),
    ]
