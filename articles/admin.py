from django.contrib import admin
from django.db import models

from articles.forms import ArticleForm, QuoteForm, QuoteRowForm
from articles.models import Article, Outlet, Person, Quote
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
