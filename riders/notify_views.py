"""The rider's inbox page and SMS preferences (Me). Who: the signed-in rider, their own only."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Notification

from . import notify
from .notify_forms import SMSPreferencesForm
from .permissions import rider_required

INBOX_PAGE_SIZE = 20


@rider_required
@require_GET
def inbox(request):
    """The signed-in rider: their messages, newest first, a page at a time, each rendered in
    the language of this request. The unread ones shown are marked read by being shown (and
    still marked "new" on this page)."""
    messages_ = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(messages_, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    unread = [note.pk for note in page.object_list if note.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return render(
        request,
        "riders/inbox.html",
        {"page": page, "unread_ids": set(unread), "nav": "me"},
    )


@rider_required
@require_http_methods(["GET", "POST"])
def sms_preferences(request):
    """The signed-in rider: which kinds of message also come by SMS; the quiet hours and the
    daily limit are shown, not chosen (they are the site's)."""
    rider = request.rider
    if request.method == "POST":
        form = SMSPreferencesForm(request.POST)
        if form.is_valid():
            notify.sms_preferences_set(rider=rider, kinds_on=form.cleaned_data["kinds"])
            messages.success(request, _("Your SMS preferences are saved."))
            return redirect("riders:sms_preferences")
        status = 400
    else:
        form = SMSPreferencesForm(initial={"kinds": sorted(notify.sms_kinds_on(rider=rider))})
        status = 200
    return render(
        request,
        "riders/sms_preferences.html",
        {
            "form": form,
            "quiet_hours": notify.quiet_hours_label(),
            "per_day": settings.NOTIFY_SMS_PER_RIDER_PER_DAY,
            "masked_phone": rider.masked_phone,
            "nav": "me",
        },
        status=status,
    )
