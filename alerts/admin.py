"""Subscriptions in the admin: to see what is followed and whether its alerts go out.

No one adds or changes a subscription here: only its address can, through the confirmation
link. Addresses are shown to superusers only: editors curate the archive and need no one's
address, the same promise the public pages make (nothing tells who follows what); superusers run
the server, answer complaints and may delete a subscription on request.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.db.models.constants import LOOKUP_SEP

from alerts.models import Delivery, Subscription


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["event_at", "title", "status", "attempts", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "frequency", "confirmed_at", "sent", "waiting", "stuck"]
    list_filter = ["kind", "frequency"]
    fields = ["kind", "target", "frequency", "confirmed_at", "site_url"]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request):
        statuses = Delivery.Status
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=Count("deliveries", filter=Q(deliveries__status=statuses.SENT)),
                waiting_count=Count("deliveries", filter=Q(deliveries__status=statuses.QUEUED)),
                stuck_count=Count(
                    "deliveries",
                    filter=Q(deliveries__status__in=[statuses.SENDING, statuses.FAILED]),
                ),
            )
        )

    def _superuser_sees_address(self, request, names):
        return ["email", *names] if request.user.is_superuser else names

    def get_list_display(self, request):
        return self._superuser_sees_address(request, self.list_display)

    def get_fields(self, request, obj=None):
        return self._superuser_sees_address(request, self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self._superuser_sees_address(request, self.readonly_fields)

    def get_search_fields(self, request):
        return ["email"] if request.user.is_superuser else []

    def lookup_allowed(self, lookup, value, request=None):
        """Editors filter by the sidebar's filters only. Django lets any URL filter on the
        model's own fields, and a filter reads what it filters on: ?email__startswith=a would
        tell an editor what the addresses starting with "a" follow."""
        superuser = request is not None and request.user.is_superuser
        if not superuser and lookup.split(LOOKUP_SEP)[0] not in self.list_filter:
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="sent", ordering="sent_count")
    def sent(self, subscription):
        return subscription.sent_count

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, subscription):
        return subscription.waiting_count

    @admin.display(description="not sent (stopped or refused)", ordering="stuck_count")
    def stuck(self, subscription):
        return subscription.stuck_count
