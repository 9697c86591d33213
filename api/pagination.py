"""Keyset pagination: a page is what follows the last row the client saw, in a fixed order
(referrals by when they last changed, then id; events by id), so pages stay stable while
referrals change: a referral that changes while a client pages moves to the end and is seen
again with its new state, none is skipped. The cursor is opaque and signed."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

SALT = "api.cursor"
MAX_LIMIT = 100


class KeysetPagination(BasePagination):
    """Ordered by ``fields`` ascending; the last of them must be unique (the id)."""

    fields: tuple[str, ...] = ("updated_at", "id")
    default_limit = 50

    def _limit(self, request) -> int:
        raw = request.query_params.get("limit")
        if raw is None:
            return self.default_limit
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            message = _("Give a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT}
            raise exceptions.ValidationError({"limit": [message]})
        return int(raw)

    def _after(self, request) -> list[Any] | None:
        raw = request.query_params.get("cursor")
        if raw is None:
            return None
        try:
            values = signing.loads(raw, salt=SALT)
        except signing.BadSignature as error:
            raise exceptions.ValidationError({"cursor": [_("This cursor is not one the API gave.")]}) from error
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise exceptions.ValidationError({"cursor": [_("This cursor is not one the API gave.")]})
        pairs = zip(self.fields, values, strict=True)
        return [parse_datetime(value) if field.endswith("_at") else value for field, value in pairs]

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        limit = self._limit(request)
        after = self._after(request)
        if after is not None:
            # (a, b) > (x, y): a > x, or a = x and b > y.
            condition = Q()
            for index, field in enumerate(self.fields):
                step = Q(**{f"{field}__gt": after[index]})
                for earlier in range(index):
                    step &= Q(**{self.fields[earlier]: after[earlier]})
                condition |= step
            queryset = queryset.filter(condition)
        rows = list(queryset.order_by(*self.fields)[: limit + 1])
        self.has_more = len(rows) > limit
        self.page = rows[:limit]
        self.request = request
        return self.page

    def _cursor(self, row) -> str:
        values = []
        for field in self.fields:
            value = getattr(row, field)
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return signing.dumps(values, salt=SALT)

    def get_next_link(self) -> str | None:
        if not self.has_more:
            return None
        return replace_query_param(self.request.build_absolute_uri(), "cursor", self._cursor(self.page[-1]))

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        cursor = {
            "name": "cursor",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "Where the page starts: the cursor in the previous page's `next`.",
        }
        limit = {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
            "description": "Rows per page.",
        }
        return [cursor, limit]


class EventPagination(KeysetPagination):
    fields = ("id",)
