"""Every error of the API as RFC 9457 problem details (``application/problem+json``), in the
language the client asks for (``Accept-Language``): a title, the status, a detail that says
what to do, and the fields at fault (``errors``), the state a referral is in now (``state``)
or its current ETag (``etag``) where they help."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler

CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The referral changed meanwhile.")
    default_code = "conflict"

    def __init__(self, detail: str, *, state: str) -> None:
        super().__init__(detail)
        self.state = state


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "The referral changed since you read it: read it again and send its new ETag in If-Match."
    )
    default_code = "precondition_failed"

    def __init__(self, *, etag: str) -> None:
        super().__init__()
        self.etag = etag


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("Send the referral's ETag in an If-Match header: a change needs it.")
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


def titles() -> dict[int, str]:
    return {
        400: _("The request is not valid"),
        401: _("No usable API key"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        413: _("Request body too large"),
        415: _("Unsupported media type"),
        428: _("Precondition required"),
        429: _("Too many requests"),
    }


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _messages(inner)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def problem(status_code: int, detail: str, **extensions: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": detail,
        **extensions,
    }


def problem_response(status_code: int, detail: str, headers: dict | None = None, **extensions: Any) -> Response:
    return Response(problem(status_code, detail, **extensions), status=status_code, headers=headers,
                    content_type=CONTENT_TYPE)  # fmt: skip


def handler(exc: Exception, context: dict) -> Response | None:
    """DRF's exception handler, answering in problem details."""
    if isinstance(exc, Http404 | PermissionDenied):
        # What is not the key's to see does not exist for it.
        exc = exceptions.NotFound(_("There is no such resource for this key."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(get_error_detail(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None
    extensions: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = _("Correct the fields named in “errors”.")
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        extensions["errors"] = {field: _messages(messages) for field, messages in data.items()}
    else:
        detail = str(getattr(exc, "detail", "")) or titles().get(response.status_code, "")
    if isinstance(exc, Conflict):
        extensions["state"] = exc.state
    if isinstance(exc, PreconditionFailed):
        extensions["etag"] = exc.etag
    headers = {name: value for name, value in response.items() if name in ("Retry-After", "WWW-Authenticate", "Allow")}
    return problem_response(response.status_code, detail, headers, **extensions)
