app_name = "mydata"

urlpatterns: list = []
