"""The Referrals API (``/api/v1/``). Every view acts as the key's identity through the same
layers as the pages: ``Referral.objects.for_user`` decides what exists for it, the registry and
``referrals.lifecycle`` run the actions with the forms' own checks."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals import lifecycle, registry
from referrals.lifecycle import ReferralConflict
from referrals.models import Referral, ReferralEvent, State

from . import filtering, inputs
from .authentication import ApiKeyAuthentication
from .pagination import EventPagination, KeysetPagination
from .parsers import LimitedJSONParser
from .problems import CONTENT_TYPE as PROBLEM_TYPE
from .problems import Conflict, PreconditionFailed, PreconditionRequired, problem
from .serializers import API_ACTIONS, EventSerializer, KeySerializer, ReferralSerializer, ReferralUpdateSerializer, etag
from .throttling import PerKeyThrottle


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PerKeyThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [LimitedJSONParser]

    def initial(self, request: Request, *args, **kwargs) -> None:
        timezone.activate(UTC)  # times in the API are UTC, whoever asks
        super().initial(request, *args, **kwargs)


PROBLEM = OpenApiResponse(OpenApiTypes.OBJECT, description="Problem details (RFC 9457).")
ERRORS = {400: PROBLEM, 401: PROBLEM, 404: PROBLEM, 429: PROBLEM}


def visible_referrals(request: Request) -> QuerySet[Referral]:
    if request.user is None:  # drf-spectacular reading the view to describe it
        return Referral.objects.none()
    return Referral.objects.for_user(request.user).select_related("rfi__customer", "location", "owner")


# RFC 9110's If-Match: "*", or entity tags separated by commas.
ENTITY_TAGS = r'^\s*(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)\s*$'


def check_if_match(request: Request, referral: Referral) -> None:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if not re.match(ENTITY_TAGS, header):
        raise exceptions.ValidationError({"If-Match": [_("Send the ETag as the API gave it, in double quotes, or *.")]})
    offered = [tag.strip() for tag in header.split(",")]
    if "*" not in offered and etag(referral) not in offered:
        raise PreconditionFailed(etag=etag(referral))


def answer(request: Request, referral: Referral, status: int = 200) -> Response:
    data = ReferralSerializer(referral, context={"user": request.user}).data
    return Response(data, status=status, headers={"ETag": data["etag"]})


class ReferralFilter(filters.FilterSet):
    """The list's filters. Each parameter says exactly what it takes (``filtering``); a
    parameter given with no value is an error, not "no filter"."""

    state = filters.MultipleChoiceFilter(choices=State.choices)
    location = filtering.IdFilter(field_name="location_id")
    owner = filtering.OwnerFilter(method="by_owner")
    updated_since = filtering.SinceFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Referral
        fields: list[str] = []

    def by_owner(self, queryset: QuerySet[Referral], name: str, value: str) -> QuerySet[Referral]:
        if value == "none":
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=int(value))

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if "" in self.data.getlist(name):
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


LIST_PARAMETERS = [
    OpenApiParameter("state", OpenApiTypes.STR, many=True, enum=State.values, explode=True,
                     description="One or more states."),
    OpenApiParameter("location", OpenApiTypes.STR, pattern=filtering.ID.pattern, description="A location's id."),
    OpenApiParameter("owner", OpenApiTypes.STR, pattern=filtering.OWNER.pattern,
                     description="A user id, or `none` for unassigned referrals."),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME,
                     description="Changed at or after this time (RFC 3339, for example 2026-11-27T09:00:00Z)."),
]  # fmt: skip


@extend_schema(tags=["referrals"], parameters=LIST_PARAMETERS, responses={200: ReferralSerializer(many=True), **ERRORS})
class ReferralList(ApiView, generics.ListAPIView):
    """The referrals this key sees, by when they last changed (oldest first), in pages."""

    serializer_class = ReferralSerializer
    pagination_class = KeysetPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReferralFilter

    def get_queryset(self) -> QuerySet[Referral]:
        return visible_referrals(self.request)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "user": self.request.user}


IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, pattern=ENTITY_TAGS,
    description="The referral's ETag as you last read it (its `ETag` header or `etag` field), or `*`.",
)  # fmt: skip
CHANGE_ERRORS = {**ERRORS, 409: PROBLEM, 412: PROBLEM, 413: PROBLEM, 415: PROBLEM, 428: PROBLEM}


class ReferralDetail(ApiView, generics.GenericAPIView):
    serializer_class = ReferralSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Referral]:
        return visible_referrals(self.request)

    @extend_schema(tags=["referrals"], responses={200: ReferralSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """One referral; its `ETag` header is what a change sends in `If-Match`."""
        return answer(request, self.get_object())

    @extend_schema(
        tags=["referrals"],
        request=ReferralUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: ReferralSerializer, **CHANGE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Set your CRM's id for the referral (`external_reference_id`, unique among yours)."""
        referral = self.get_object()
        update = ReferralUpdateSerializer(data=request.data, partial=True)
        update.is_valid(raise_exception=True)
        check_if_match(request, referral)
        if "external_reference_id" in update.validated_data:
            try:
                lifecycle.set_crm_reference(
                    referral,
                    by=request.user,
                    value=update.validated_data["external_reference_id"],
                    expected_updated_at=referral.updated_at,
                )
            except ReferralConflict as conflict:
                raise PreconditionFailed(etag=etag(conflict.referral)) from conflict
        return answer(request, self.get_object())


@extend_schema(tags=["referrals"], responses={200: EventSerializer(many=True), **ERRORS})
class ReferralTimeline(ApiView, generics.ListAPIView):
    """A referral's timeline, oldest first: every step, who took it and what it recorded."""

    serializer_class = EventSerializer
    pagination_class = EventPagination

    def get_queryset(self) -> QuerySet[ReferralEvent]:
        if getattr(self, "swagger_fake_view", False):
            return ReferralEvent.objects.none()
        referral = get_object_or_404(visible_referrals(self.request), pk=self.kwargs["pk"])
        return referral.events.select_related("actor")


@extend_schema(tags=["events"], responses={200: EventSerializer(many=True), **ERRORS})
class EventFeed(ApiView, generics.ListAPIView):
    """Every timeline entry of the referrals this key sees, in order: poll with the last page's
    `next` to sync. An entry shows once its change is settled (``API_EVENTS_SETTLE_SECONDS``),
    so an entry committed late is never skipped."""

    serializer_class = EventSerializer
    pagination_class = EventPagination

    def get_queryset(self) -> QuerySet[ReferralEvent]:
        if getattr(self, "swagger_fake_view", False):
            return ReferralEvent.objects.none()
        settled = timezone.now() - timedelta(seconds=settings.API_EVENTS_SETTLE_SECONDS)
        return ReferralEvent.objects.filter(
            referral__in=Referral.objects.for_user(self.request.user), created_at__lte=settled
        ).select_related("actor")


class ActionView(ApiView, generics.GenericAPIView):
    """One partner action (``registry.ACTIONS[action]``) on one referral."""

    action_name: str
    serializer_class = ReferralSerializer

    def get_queryset(self) -> QuerySet[Referral]:
        return visible_referrals(self.request)

    def post(self, request: Request, pk: int) -> Response:
        """What is wrong with the request itself comes first (400), then the precondition
        (428, 412), then whether the referral's state allows the action (409): RFC 9110 has a
        server ignore preconditions on a request it would refuse anyway."""
        referral = self.get_object()
        action = registry.ACTIONS[self.action_name]
        form = action.form(
            data={**inputs.form_data(INPUTS[action.name], request.data), "expected_state": referral.state},
            referral=referral,
            action=action.name,
        )
        if not form.is_valid():
            raise exceptions.ValidationError({field: list(errors) for field, errors in form.errors.items()})
        check_if_match(request, referral)
        if action not in registry.allowed(referral, request.user):
            raise Conflict(
                _("%(action)s is not possible: the referral is %(state)s.")
                % {"action": action.label, "state": referral.get_state_display()},
                state=referral.state,
            )
        try:
            action.perform(form, request.user)
        except ReferralConflict as conflict:
            raise Conflict(str(conflict), state=conflict.referral.state) from conflict
        except PermissionDenied as denied:
            raise exceptions.NotFound() from denied
        return answer(request, get_object_or_404(self.get_queryset(), pk=pk))


INPUTS = {name: inputs.input_serializer(registry.ACTIONS[name]) for name in API_ACTIONS}


def action_view(name: str):
    action = registry.ACTIONS[name]
    view = type(f"{name.title().replace('_', '')}View", (ActionView,), {"action_name": name})
    describe = extend_schema(
        operation_id=f"referrals_{name}",
        summary=str(action.title),
        description=f"{action.title}: through the same checks as the referral page. "
        "Answers the referral as it is now, with its new ETag.",
        tags=["actions"],
        request=INPUTS[name],
        parameters=[IF_MATCH],
        responses={200: ReferralSerializer, **CHANGE_ERRORS},
    )
    return extend_schema_view(post=describe)(view)


ACTION_VIEWS = {name: action_view(name) for name in API_ACTIONS}


@extend_schema(tags=["keys"], responses={200: KeySerializer, **ERRORS})
class Me(ApiView):
    """The key this request carries: its company, role and locations."""

    def get(self, request: Request) -> Response:
        return Response(KeySerializer(request.auth).data)


@csrf_exempt  # no session is used under /api/: a POST to a wrong address is a 404, not a CSRF refusal
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other address under /api/: a problem, not an HTML page."""
    return JsonResponse(problem(404, _("There is no such address in the API.")), status=404,
                        content_type=PROBLEM_TYPE)  # fmt: skip
