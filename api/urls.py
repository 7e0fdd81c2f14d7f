from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import stats, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("reports", views.ReportViewSet, basename="report")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("templates", views.TemplateViewSet, basename="template")
router.register("departments", views.DepartmentViewSet, basename="department")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/photos/<str:token>/", views.photo, name="photo"),
    path("v1/stats/", stats.StatsView.as_view(), name="stats"),
    # Public by decision (docs/decisions.md); the schema is cached (views.SchemaView).
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
