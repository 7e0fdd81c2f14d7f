from django.urls import path

from . import views

app_name = "merchants"

urlpatterns = [
    path("nearby/", views.nearest, name="nearest"),
    path("nearby/now/", views.open_near, name="open_near"),
]
