from django.urls import path

from . import views

app_name = "subsidies"

urlpatterns = [
    path("subsidy/", views.claim_list, name="list"),
    path("subsidy/new/", views.claim_new, name="new"),
    path("subsidy/claims/<int:pk>/proof/", views.claim_proof, name="proof"),
]
