from django.urls import path

from reconciliation import views

app_name = "reconcile"

urlpatterns = [
    path("", views.service, name="service"),
    path("suggest/entity/", views.suggest_entity, name="suggest_entity"),
    path("suggest/type/", views.suggest_type, name="suggest_type"),
    path("preview/", views.preview, name="preview"),
]
