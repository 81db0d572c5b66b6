from django.contrib import admin
from django.urls import include, path

from claims.views import home

admin.site.site_header = "newsarchive editors"
admin.site.site_title = "newsarchive editors"
admin.site.index_title = "Curate the archive"

urlpatterns = [
    path("", home, name="home"),
    path("", include("articles.urls")),
    path("", include("claims.urls")),
    path("api/", include("claims.api_urls")),
    path("admin/", admin.site.urls),
]
