from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("articles/<int:pk>/", views.article_detail),
    path("articles/<int:pk>/<slug:slug>/", views.article_detail, name="article"),
    path("outlets/<int:pk>/", views.outlet_detail),
    path("outlets/<int:pk>/<slug:slug>/", views.outlet_detail, name="outlet"),
    path("people/<int:pk>/", views.person_detail),
    path("people/<int:pk>/<slug:slug>/", views.person_detail, name="person"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
]
