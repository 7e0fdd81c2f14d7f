from django.urls import path

from . import views

app_name = "volunteering"

urlpatterns = [
    path("volunteering/", views.team_list, name="teams"),
    path("volunteering/teams/<int:pk>/", views.team_detail, name="team"),
    path("volunteering/activities/<int:pk>/sign-up/", views.activity_sign_up, name="sign_up"),
    path("volunteering/activities/<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("volunteering/activities/<int:pk>/attendance/", views.attendance, name="attendance"),
]
