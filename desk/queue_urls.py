"""The workbench's sign-in and the department's queue (desk/views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/sms/", views.sign_in_sms, name="sign_in_sms"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("assign/", views.assign_many, name="assign_many"),
    path("assign/<str:public_id>/", views.assign, name="assign"),
]
