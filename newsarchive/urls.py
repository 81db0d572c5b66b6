from django.contrib import admin
from django.urls import include, path

from claims.views import home
from core.views import favicon, health

admin.site.site_header = "newsarchive editors"
admin.site.site_title = "newsarchive editors"
admin.site.index_title = "Curate the archive"
# A database that can't be reached answers 503 wherever it fails, not only in views.
handler500 = "core.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("articles.urls")),
    path("", include("claims.urls")),
    path("api/", include("claims.api_urls")),
    path("reconcile/", include("reconciliation.urls")),
    path("alerts/", include("alerts.urls")),
    path("admin/", admin.site.urls),
]
