"""Compressed responses: Django's GZipMiddleware, minus bodies that are compressed already.

Pages, the API's and Open311's JSON/XML and CSV downloads are text and shrink 3-8×. Stored
uploads are JPEG photos and PDFs (core/responses.py `file_response`): streamed, so Django would
gzip every chunk of them, for no gain, a lost Content-Length and CPU on the hot path of the
photos a department downloads. Static files never reach this: WhiteNoise, above it in
MIDDLEWARE, answers them with its own pre-compressed copies.

BREACH: since Django 4.2 the middleware pads each gzip stream with 0-100 random bytes ("Heal
the BREACH"), so a response's length no longer tells an attacker who reflects a guess into the
page whether it matched a secret on it; CSRF tokens are masked per response besides
(docs/decisions.md, "Compressed responses").
"""

from django.middleware.gzip import GZipMiddleware

# Types whose bytes are compressed by their own format.
_COMPRESSED_TYPES = ("image/", "video/", "audio/", "application/pdf", "application/zip")


class CompressionMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if content_type.startswith(_COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
