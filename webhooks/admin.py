from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_tenancy import CityScopedAdmin
from core.tenancy import sole_city_id

from .models import Attempt, Delivery, Event, Webhook
from .services import delivery_redeliver


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["label", "department", "city", "url", "secret", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("Use an http:// or https:// address."))
        return url

    def clean(self):
        cleaned = super().clean()
        department = cleaned.get("department")
        if department is not None:
            cleaned["city"] = department.city  # a department's receiver is of its city
        elif not cleaned.get("city") and sole_city_id() is None:
            self.add_error("city", _("Choose the city whose reports it receives."))
        return cleaned


@admin.register(Webhook)
class WebhookAdmin(CityScopedAdmin):
    """Centre admins register receivers for departments and the platform."""

    form = WebhookForm
    list_display = ("label", "department", "city", "url", "is_active", "created_at")
    list_filter = ("is_active", "department")
    search_fields = ("label", "url", "department__name")
    list_select_related = ("department", "city")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("at", "ok", "status_code", "duration_ms", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(CityScopedAdmin):
    """The outbox: what is pending (and when it is next tried), delivered, or failed."""

    list_display = (
        "delivery_id",
        "event",
        "webhook",
        "report",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event", "webhook", "created_at")
    search_fields = ("=delivery_id", "=report__public_id")
    list_select_related = ("webhook", "report")
    readonly_fields = (
        "delivery_id",
        "webhook",
        "event",
        "report",
        "payload",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "claimed_until",
        "delivered_at",
        "failed_at",
    )
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Redeliver"), permissions=["change"])
    def redeliver(self, request, queryset) -> None:
        deliveries = list(queryset)
        for delivery in deliveries:
            delivery_redeliver(delivery=delivery)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.",
                "%(count)d deliveries queued again.",
                len(deliveries),
            )
            % {"count": len(deliveries)},
            messages.SUCCESS,
        )
