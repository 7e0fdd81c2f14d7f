from django.urls import path

from . import views

app_name = "merchants"

urlpatterns = [
    path("nearby/", views.nearest, name="nearest"),
]
