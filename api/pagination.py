"""Keyset pagination: a page is what follows the last row the client saw, in a fixed order, so
pages stay stable while referrals change: a referral that changes while a client pages moves
to the end and is seen again with its new state; none is skipped.

The position is plain and documented, not a secret: for referrals ``cursor`` is
``<updated_at in microseconds since 1970>.<id>`` of the last row seen; for timeline entries
``after`` is the last entry's id. Any value of that form is a position (what scope a key has
is decided by the query, not by the cursor)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from common.numbers import whole_number

MAX_LIMIT = 100
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR = re.compile(r"^[0-9]{1,16}\.[0-9]{1,18}$")
AFTER = re.compile(r"^[0-9]{1,18}$")


def _invalid(parameter: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({parameter: [message]})


class KeysetPagination(BasePagination):
    """Referrals by (``updated_at``, ``id``), ascending."""

    default_limit = 50
    parameter = "cursor"

    def _limit(self, request) -> int:
        raw = request.query_params.get("limit")
        if raw is None:
            return self.default_limit
        limit = whole_number(raw)
        if limit is None or not 1 <= limit <= MAX_LIMIT:
            return self._fail("limit", _("Give a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT})
        return limit

    def _fail(self, parameter: str, message: str):
        raise _invalid(parameter, message)

    def position(self, raw: str) -> Q:
        if not CURSOR.match(raw):
            self._fail("cursor", _("Give the cursor of the previous page's “next” link."))
        micros, last_id = (int(part) for part in raw.split("."))
        when = EPOCH + timedelta(microseconds=micros)
        # The bound on updated_at said apart from the tie-break: the sync index starts at the
        # cursor (the OR alone read every referral of the pages before, on every page).
        return Q(updated_at__gte=when) & (Q(updated_at__gt=when) | Q(updated_at=when, id__gt=last_id))

    def order(self) -> tuple[str, ...]:
        return ("updated_at", "id")

    def cursor(self, row) -> str:
        micros = (row.updated_at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{row.pk}"

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        limit = self._limit(request)
        raw = request.query_params.get(self.parameter)
        if raw is not None:
            queryset = queryset.filter(self.position(raw))
        rows = list(queryset.order_by(*self.order())[: limit + 1])
        self.has_more = len(rows) > limit
        self.page = rows[:limit]
        self.request = request
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_more:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.parameter, self.cursor(self.page[-1]))

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

    def position_schema(self) -> dict:
        return {
            "name": "cursor",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": CURSOR.pattern},
            "description": "Where the page starts: `<updated_at in µs since 1970>.<id>` of the last row seen "
            "(the previous page's `next` carries it).",
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        limit = {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": self.default_limit},
            "description": "Rows per page.",
        }
        return [self.position_schema(), limit]


class EventPagination(KeysetPagination):
    """Timeline entries by id, ascending."""

    parameter = "after"

    def position(self, raw: str) -> Q:
        if not AFTER.match(raw):
            self._fail("after", _("Give the id of the last entry you have."))
        return Q(id__gt=int(raw))

    def order(self) -> tuple[str, ...]:
        return ("id",)

    def cursor(self, row) -> str:
        return str(row.pk)

    def position_schema(self) -> dict:
        return {
            "name": "after",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": AFTER.pattern},
            "description": "The id of the last entry you have: the page starts after it.",
        }
