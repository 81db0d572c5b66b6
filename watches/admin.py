from django.contrib import admin, messages
from django.utils import timezone

from watches.forms import WatchForm
from watches.models import Watch
from watches.tasks import queue_check
from watches.watching import make_due


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    form = WatchForm
    list_display = ["url", "kind", "active", "next_due_at", "last_outcome", "failing"]
    list_filter = ["kind", "active", "last_outcome"]
    search_fields = ["url"]
    actions = ["check_now", "pause", "resume"]
    fields = [
        "url", "kind", "every_minutes", "active", "next_due_at", "until", "found_in",
        "last_checked_at", "last_outcome", "last_reason", "failures", "article", "etag",
        "last_modified", "added_by", "added_at",
    ]  # fmt: skip
    readonly_fields = fields[4:]

    @admin.display(description="failing")
    def failing(self, watch):
        if not watch.failures:
            return ""
        return f"{watch.failures} in a row: {watch.failing_reason}"

    def save_model(self, request, watch, form, change):
        if not change:
            watch.added_by = request.user
        super().save_model(request, watch, form, change)

    @admin.action(description="Check the selected watches now", permissions=["change"])
    def check_now(self, request, queryset):
        make_due(queryset)
        active = queryset.filter(active=True).values_list("pk", flat=True)
        queued = sum(queue_check(watch_id) for watch_id in active)
        self.message_user(
            request, f"{queued} checks queued; a worker takes them in turn.", messages.SUCCESS
        )

    @admin.action(description="Pause the selected watches", permissions=["change"])
    def pause(self, request, queryset):
        paused = queryset.update(active=False)
        self.message_user(request, f"{paused} watches paused.", messages.SUCCESS)

    @admin.action(description="Resume the selected watches", permissions=["change"])
    def resume(self, request, queryset):
        resumed = queryset.filter(active=False).update(active=True, next_due_at=timezone.now())
        self.message_user(request, f"{resumed} watches resumed.", messages.SUCCESS)
