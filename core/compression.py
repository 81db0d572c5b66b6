"""Text goes out gzipped to clients that accept it: pages, CSS and JavaScript, JSON, feeds and
downloads (issue #26). In production, static files are gzipped ahead of time (whitenoise's
storage writes .gz files) and pass through as whitenoise serves them; everything else is
compressed here, not by nginx in front (deploy/nginx.conf). No brotli: installed, it would make
whitenoise write .br files too, which cost every production collectstatic half a minute more
for a few kilobytes once per browser (static files are cached for good).

Pages with forms hold a CSRF token, which a BREACH attacker could otherwise read off the sizes of
compressed responses that also reflect what the attacker sent. Django masks the token anew in
every response, and its GZipMiddleware pads each gzip header with up to 100 random bytes, so
sizes tell nothing ("Heal the Breach", Django 4.2). That is why pages are gzip only, not brotli.
"""

import re

from django.middleware.gzip import GZipMiddleware

# Text compresses well; images and WARC files (gzipped already) are left as they are.
TEXT = re.compile(
    r"text/|application/(json|javascript|xml|x-bibtex)\b|application/[^;]+\+(json|xml)\b"
    r"|image/svg\+xml\b"
)


class TextCompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for text only. A streamed download is compressed as it streams;
    one that fails midway still breaks off (claims.exports.Download), its gzip unfinished. A
    partial response (206: a range of a static file) stays the range of bytes it was asked for."""

    def process_response(self, request, response):
        if response.status_code == 206 or not TEXT.match(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)
