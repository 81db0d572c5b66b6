from django.urls import path

from claims import api

app_name = "api"

urlpatterns = [
    path("claims/", api.ClaimList.as_view(), name="claims"),
    path("claims/<int:pk>/", api.ClaimDetail.as_view(), name="claim"),
    path("quotes/", api.QuoteList.as_view(), name="quotes"),
    path("articles/", api.ArticleList.as_view(), name="articles"),
    path("openapi.json", api.OpenApiDocument.as_view(), name="openapi"),
]
