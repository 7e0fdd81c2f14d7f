from django.urls import path

from . import views

app_name = "growth"

urlpatterns = [
    path("courses/", views.course_list, name="courses"),
    path("courses/mine/", views.my_courses, name="mine"),
    path("courses/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("courses/enrolments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("certificates/", views.certificate_check, name="check"),
    path("certificates/<slug:code>/", views.certificate, name="certificate"),
]
