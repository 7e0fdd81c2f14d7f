from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal.national import national_dashboard

admin.site.site_header = _("Riders Portal administration")
admin.site.site_title = _("Riders Portal admin")
admin.site.index_title = _("Service centre")

urlpatterns = [
    # Before the admin's own URLs, which would take "national/" for an app's name.
    path("admin/national/", admin.site.admin_view(national_dashboard), name="national_dashboard"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("open311/v2/", include("open311.urls")),
    path("desk/", include("desk.urls")),
    path("hall/", include("hall.urls")),
    path("sms/receipts/", include("riders.sms_urls")),  # the SMS gateways' delivery reports
    path("", include("riders.urls")),
    path("", include("privacy.urls")),
    path("", include("mydata.urls")),
    path("", include("governance.urls")),
    path("", include("rewards.urls")),
    path("", include("apartments.urls")),
    path("", include("canteen.urls")),
    path("", include("merchants.urls")),
    path("", include("subsidies.urls")),
    path("", include("growth.urls")),
    path("", include("volunteering.urls")),
    path("", include("portal.urls")),
    path("", include("core.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "api.handlers.page_not_found"
