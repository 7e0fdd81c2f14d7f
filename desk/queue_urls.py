"""Placeholders until the queue and sign-in (task D1) are merged: the shell links to them."""

from django.http import HttpResponse
from django.urls import path


def _placeholder(request):
    return HttpResponse(status=204)


urlpatterns = [
    path("", _placeholder, name="queue"),
    path("sign-in/", _placeholder, name="sign_in"),
    path("sign-out/", _placeholder, name="sign_out"),
]
