from django.shortcuts import render


class RejectNulBytesMiddleware:
    """A NUL character can't be stored or searched in PostgreSQL text, and no real parameter
    holds one: a query string with one is a bad request, whichever view it was meant for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                message = "The address holds a NUL character, which no parameter may contain."
                return render(request, "400.html", {"exception": message}, status=400)
        return self.get_response(request)
