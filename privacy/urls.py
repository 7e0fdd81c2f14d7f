from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.notice, name="notice"),
    path("privacy/accept/", views.accept, name="accept"),
    path("me/privacy/", views.my_privacy, name="mine"),
]
