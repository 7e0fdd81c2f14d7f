"""Delivery-receipt callbacks of the SMS gateways (riders/sms_receipts.py)."""

from django.urls import path

from . import sms_receipts

app_name = "sms"

urlpatterns = [
    path("aliyun/<str:token>/", sms_receipts.aliyun_receipts, name="aliyun_receipts"),
    path("tencent/<str:token>/", sms_receipts.tencent_receipts, name="tencent_receipts"),
]
