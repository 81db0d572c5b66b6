from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("articles/<int:pk>/", views.article_detail),
    path("articles/<int:pk>/<slug:slug>/", views.article_detail, name="article"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/v/", views.quote_changelog, name="quote_versions"),
    path("quotes/<int:pk>/v/<int:number>/", views.quote_version, name="quote_version"),
]
