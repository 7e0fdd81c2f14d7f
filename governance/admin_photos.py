"""Report and evidence photos in the admin (issue 20, PIPL): the original, which only the
dispatcher and the centre see, its blurred copy, and the "redact region" tool that adds or
removes regions and rebuilds the copy.

Who: staff with view permission see the list and the photos of their city (CityScopedAdmin:
another city's photo is a 404); the tool needs `redact_reportphoto` / `redact_evidencephoto`,
which dispatchers and centre admins have (governance/apps.py); any other role gets 403.
Every change of the regions is in the audit trail (settings.AUDITLOG_INCLUDE_TRACKING_MODELS).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_tenancy import CityScopedAdmin
from core.responses import file_response

from . import services
from .models import EvidencePhoto, ReportPhoto


class RedactForm(forms.Form):
    """The photo's regions as one JSON list of {x, y, w, h} in fractions of the photo. The
    page's script keeps it in step with the rectangles drawn on the canvas; without script
    the field is shown and can be edited as text."""

    boxes = forms.CharField(
        label=gettext_lazy("Regions to blur"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "data-redact-boxes": ""}),
        help_text=gettext_lazy(
            'A list of rectangles in fractions of the photo, e.g. [{"x": 0.1, "y": 0.2, '
            '"w": 0.15, "h": 0.1}].'
        ),
    )

    def clean_boxes(self) -> list[dict]:
        text = (self.cleaned_data.get("boxes") or "").strip() or "[]"
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("The regions are not valid JSON.")) from None
        if not isinstance(value, list) or not all(isinstance(box, dict) for box in value):
            raise forms.ValidationError(_("The regions must be a list of rectangles."))
        return value


class RedactedPhotoAdmin(CityScopedAdmin):
    list_display = ("__str__", "blurred", "regions", "redacted_at", "original_deleted_at")
    list_filter = (("redacted_at", admin.EmptyFieldListFilter), "original_deleted_at")
    search_fields = ("report__public_id",)
    list_select_related = ("report",)
    readonly_fields = ("report", "preview", "redaction_boxes", "redacted_at", "original_deleted_at")
    fields = readonly_fields
    actions = ("blur_now",)
    kind = "report"

    def has_add_permission(self, request) -> bool:
        return False  # photos come with reports and resolutions

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the regions change in the tool, not in a form of raw fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _may_redact(self, request) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.redact_{opts.model_name}")

    @admin.display(description=gettext_lazy("blurred copy"), boolean=True)
    def blurred(self, photo) -> bool:
        return photo.redacted_at is not None

    @admin.display(description=gettext_lazy("regions"))
    def regions(self, photo) -> int:
        return len(photo.redaction_boxes or [])

    def _url(self, name: str, photo) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[photo.pk])

    @admin.display(description=gettext_lazy("photo"))
    def preview(self, photo) -> str:
        return format_html(
            '<a href="{}"><img src="{}" width="240" alt=""></a> '
            '<a href="{}"><img src="{}" width="240" alt=""></a><br>'
            '<a class="button" href="{}">{}</a>',
            self._url("original", photo),
            self._url("original", photo),
            self._url("blurred", photo),
            self._url("blurred", photo),
            self._url("redact", photo),
            _("Redact regions"),
        )

    def get_urls(self):
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "<int:pk>/redact/",
                self.admin_site.admin_view(self.redact_view),
                name=f"{prefix}_redact",
            ),
            path(
                "<int:pk>/original/",
                self.admin_site.admin_view(self.original_view),
                name=f"{prefix}_original",
            ),
            path(
                "<int:pk>/blurred/",
                self.admin_site.admin_view(self.blurred_view),
                name=f"{prefix}_blurred",
            ),
            *super().get_urls(),
        ]

    def _photo(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def original_view(self, request, pk: int):
        """The original, for the dispatcher and the centre (404 once retention deleted it)."""
        return file_response(self._photo(request, pk).image, public=False, max_age=0)

    def blurred_view(self, request, pk: int):
        return file_response(self._photo(request, pk).redacted, public=False, max_age=0)

    def redact_view(self, request, pk: int):
        photo = self._photo(request, pk)
        if not self._may_redact(request):
            raise PermissionDenied
        if request.method == "POST":
            form = RedactForm(request.POST)
            if form.is_valid():
                try:
                    services.photo_redaction_boxes_set(
                        photo=photo, boxes=form.cleaned_data["boxes"], actor=request.user
                    )
                except services.RedactionError as error:
                    form.add_error("boxes", error.message)
                else:
                    self.message_user(
                        request, _("The blurred copy was rebuilt."), level=messages.SUCCESS
                    )
                    return redirect(self._url("redact", photo))
        else:
            form = RedactForm(initial={"boxes": json.dumps(photo.redaction_boxes or [])})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Redact regions of %(photo)s") % {"photo": photo},
            "opts": self.model._meta,
            "photo": photo,
            "form": form,
            "original_url": self._url("original", photo) if photo.image else "",
            "blurred_url": self._url("blurred", photo) if photo.redacted else "",
        }
        return render(request, "admin/governance/redact_photo.html", context)

    @admin.action(description=gettext_lazy("Make the missing blurred copies now"))
    def blur_now(self, request, queryset):
        made = 0
        for photo in queryset.filter(redacted_at__isnull=True).exclude(image=""):
            made += services.photo_redact(kind=self.kind, photo_id=photo.pk)
        self.message_user(
            request,
            ngettext(
                "%(count)d blurred copy was made.", "%(count)d blurred copies were made.", made
            )
            % {"count": made},
        )


@admin.register(ReportPhoto)
class ReportPhotoAdmin(RedactedPhotoAdmin):
    kind = "report"


@admin.register(EvidencePhoto)
class EvidencePhotoAdmin(RedactedPhotoAdmin):
    kind = "evidence"
    list_select_related = ("report", "department")
