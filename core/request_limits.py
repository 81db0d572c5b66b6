"""Requests over Django's limits on parameters and form data, answered as bad requests.

Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE, more than
DATA_UPLOAD_MAX_NUMBER_FIELDS parameters or DATA_UPLOAD_MAX_NUMBER_FILES files, and a multipart
body it can't parse, by raising an exception wherever the request's data is first read (the CSRF
check, for the admin's forms). It answers 400, but logs each one as an error with its traceback:
an expected event that looked like a crash (issue #21). Reading the data here first answers the
400 page with what was wrong, logged in one line.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.log import log_response

REFUSALS = {
    RequestDataTooBig: "The form sent more data than the archive accepts.",
    TooManyFieldsSent: "The request has more parameters or form fields than the archive accepts.",
    TooManyFilesSent: "The form sent more files than the archive accepts.",
    MultiPartParserError: "The form's data could not be read.",
}


class RequestLimitsMiddleware:
    """Reads the query string and a POST's form data before any other code does, and answers a
    request over the limits (or a form body that can't be parsed) with the 400 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            # Parsed on first use, now where their errors are caught; kept for the view.
            request.GET, request.POST, request.FILES  # noqa: B018
        except tuple(REFUSALS) as error:
            return refused_request_response(request, error)
        return self.get_response(request)


def refused_request_response(request, error):
    message = next(text for kind, text in REFUSALS.items() if isinstance(error, kind))
    response = render(request, "400.html", {"exception": message}, status=400)
    log_response(
        "Bad Request: %s (%s)", request.path, str(error), response=response, request=request
    )
    return response
