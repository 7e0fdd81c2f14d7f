"""A rider's export, correction requests and account closure (Me → My data)."""

from django.urls import path

from . import views

app_name = "mydata"

urlpatterns = [
    path("me/data/", views.index, name="index"),
    path("me/data/export/", views.export_request, name="export_request"),
    path("me/data/export/<int:pk>/", views.export_download, name="export_download"),
    path("me/data/correction/", views.correction_request, name="correction_request"),
    path("me/data/close/", views.close, name="close"),
]
