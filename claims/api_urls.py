from django.urls import path

from claims import api

app_name = "api"

urlpatterns = [
    path("claims/", api.claim_list, name="claims"),
    path("claims/<int:pk>/", api.claim_detail, name="claim"),
    path("quotes/", api.quote_list, name="quotes"),
    path("articles/", api.article_list, name="articles"),
    path("openapi.json", api.openapi, name="openapi"),
]
