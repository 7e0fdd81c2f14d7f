from django.urls import path

from . import views

app_name = "hall"

urlpatterns: list = [
    path("<str:token>/", views.screen, name="screen"),
    path("<str:token>/data.json", views.data, name="data"),
]
