from django.urls import path

from . import views

app_name = "rewards"

urlpatterns = [
    path("points/", views.points, name="points"),
    path("benefits/", views.benefit_list, name="benefits"),
    path("benefits/<int:pk>/", views.benefit_redeem, name="redeem"),
    path("benefits/<int:pk>/picture/", views.benefit_picture, name="benefit_picture"),
    path("redemptions/", views.redemption_list, name="redemptions"),
    path("honours/", views.honour_roll, name="honours"),
    path("honours/<int:pk>/photo/", views.honour_photo, name="honour_photo"),
    path("staff/vouchers/", views.voucher_counter, name="voucher_counter"),
]
