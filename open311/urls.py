from django.urls import re_path

from . import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services_list, name="services"),
    re_path(r"^services/(?P<service_code>[\w-]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>\w+)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>\w+)" + FMT, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="updates"),
    re_path(r"^openapi\.yaml$", views.openapi, name="openapi"),
    # [\s\S], not ".": a path with a newline in it is still ours to answer in the standard's shape.
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found),
]
