"""A URLconf with a view that fails, to see the server error page as a visitor would."""

from django.urls import path


def fail(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fail/", fail)]
