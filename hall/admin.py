from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_tenancy import CityScopedAdmin

from .models import HallDisplay


@admin.register(HallDisplay)
class HallDisplayAdmin(CityScopedAdmin):
    list_display = ("label", "city", "language", "is_active", "screen_link", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("screen_link", "created_at")
    actions = ["revoke"]

    @admin.display(description=_("screen address"))
    def screen_link(self, display: HallDisplay) -> str:
        if not display.pk:
            return "—"
        url = reverse("hall:screen", args=[display.token])
        return format_html('<a href="{}" rel="noreferrer" target="_blank">{}</a>', url, url)

    @admin.action(description=_("Revoke the selected screens"))
    def revoke(self, request, queryset):
        # One by one, so that each save forgets the display's cached lookup (hall/apps.py).
        count = 0
        for display in queryset.filter(is_active=True):
            display.is_active = False
            display.save(update_fields=["is_active"])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d screen revoked.", "%(count)d screens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
