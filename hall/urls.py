app_name = "hall"

urlpatterns: list = []
