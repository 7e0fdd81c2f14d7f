from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.services_index, name="services"),
    path("language/", views.language_switch, name="language"),
    path("healthz", views.healthz, name="healthz"),
]
