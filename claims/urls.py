from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/<int:pk>/", views.claim_detail),
    path("claims/<int:pk>/<slug:slug>/", views.claim_detail, name="claim"),
    path("topics/<int:pk>/", views.topic_detail),
    path("topics/<int:pk>/<slug:slug>/", views.topic_detail, name="topic"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
]
