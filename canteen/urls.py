from django.urls import path

from . import views

app_name = "canteen"

urlpatterns = [
    path("canteens/", views.canteen_list, name="list"),
    path("canteens/meals/<int:pk>/", views.meal_order, name="order"),
    path("canteens/meals/<int:pk>/picture/", views.meal_picture, name="meal_picture"),
    path("canteens/orders/", views.order_list, name="orders"),
    path("canteens/orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("staff/counter/<int:canteen_id>/", views.counter, name="counter"),
]
