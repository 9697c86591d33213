"""Request bodies: JSON, at most ``API_MAX_BODY_BYTES``."""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework.parsers import JSONParser

from common.numbers import whole_number

from .problems import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSON bodies up to ``API_MAX_BODY_BYTES``; a larger one is refused before it is read whole."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if (whole_number(length) or 0) > limit:
            raise PayloadTooLarge()
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge()
        return super().parse(io.BytesIO(body), media_type, parser_context)
