from django.urls import path

from . import views

app_name = "apartments"

urlpatterns = [
    path("apartments/", views.apartment_list, name="list"),
    path("apartments/apply/", views.application_new, name="apply"),
    path("apartments/mine/", views.my_housing, name="mine"),
    path(
        "apartments/applications/<int:pk>/accept/",
        views.offer_answer,
        {"answer": "accept"},
        name="accept",
    ),
    path(
        "apartments/applications/<int:pk>/decline/",
        views.offer_answer,
        {"answer": "decline"},
        name="decline",
    ),
    path(
        "apartments/applications/<int:pk>/cancel/",
        views.offer_answer,
        {"answer": "cancel"},
        name="cancel",
    ),
    path("apartments/<int:pk>/photo/", views.apartment_photo, name="photo"),
]
