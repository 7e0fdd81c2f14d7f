from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.services_index, name="services"),
    path("me/", views.me, name="me"),
]
