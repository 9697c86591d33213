"""The referral as the API shows it, one definition for the API's answers and the webhooks'
payloads. The customer's contact details are there only once the partner said Interested
(``Referral.customer_details_visible``), as on the pages."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from profiles.models import User
from referrals import registry
from referrals.models import ActorKind, EventAction, Referral, ReferralEvent, State

# Partner Center's status and substatus for each of our states (REFERENCE.md): Partner Center
# has fewer states, so the pair is coarser than ``state``, which stays the portal's own word.
PARTNER_CENTER_STATUS: dict[str, tuple[str, str]] = {
    State.NEW: ("New", "Pending"),
    State.EVALUATING: ("New", "Received"),
    State.NEGOTIATING: ("Active", "Accepted"),
    State.WON: ("Closed", "Won"),
    State.LOST: ("Closed", "Lost"),
    State.DECLINED: ("Closed", "Declined"),
    State.SKIPPED: ("Closed", "Declined"),
    State.FAILED: ("Closed", "Expired"),
    State.EXPIRED: ("Closed", "Expired"),
    State.DISCONNECTED: ("Closed", "Lost"),
}
# What the API offers: the partner actions (the operator's disconnection is not a partner's).
API_ACTIONS = [name for name in registry.ACTIONS if name != "disconnect"]


def etag(referral: Referral) -> str:
    """A strong validator of what an action or a PATCH can change: any such change moves
    ``updated_at`` (every save, and the sweep's UPDATE), and the state is in it for changes
    made within one clock tick."""
    parts = [referral.pk, referral.updated_at.isoformat(), referral.state, referral.owner_id,
             referral.external_reference_id]  # fmt: skip
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def absolute(path: str) -> str:
    return settings.SITE_URL + path


class LocationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    city = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class RequestSummarySerializer(serializers.Serializer):
    """What the customer asked for: shown from the start, as on the referral page."""

    need = serializers.CharField(source="rfi.need")
    solution_area = serializers.CharField(source="rfi.solution_area")
    industry = serializers.CharField(source="rfi.industry")
    company_size = serializers.CharField(source="rfi.company_size")
    region = serializers.CharField(source="rfi.region")
    budget_range = serializers.CharField(source="rfi.budget_range")
    budget_currency = serializers.CharField(
        source="rfi.budget_currency", help_text="The currency the customer saw the budget bands in (ISO 4217)."
    )
    timeline = serializers.CharField(source="rfi.timeline")
    consent_to_share = serializers.BooleanField(source="rfi.consent_to_share")
    created_at = serializers.DateTimeField(source="rfi.created_at")


class CustomerSerializer(serializers.Serializer):
    contact_name = serializers.CharField()
    company_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    language = serializers.CharField()


class DealSerializer(serializers.Serializer):
    value = serializers.DecimalField(source="deal_value", max_digits=14, decimal_places=2, coerce_to_string=False,
                                     allow_null=True)  # fmt: skip
    currency = serializers.CharField()
    close_date = serializers.DateField(allow_null=True)
    final_value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True)


class OutcomeSerializer(serializers.Serializer):
    reason = serializers.SerializerMethodField()
    note = serializers.CharField(source="outcome_note")

    def get_reason(self, referral: Referral) -> str:
        return referral.decline_reason or referral.lost_reason or referral.skip_reason


class DeadlinesSerializer(serializers.Serializer):
    respond_by = serializers.DateTimeField(source="fails_at", allow_null=True,
                                           help_text="A new referral fails if nobody answers by then.")  # fmt: skip
    accept_or_decline_by = serializers.DateTimeField(source="expires_at", allow_null=True,
                                                     help_text="An evaluating referral expires then.")  # fmt: skip


class ReferralSerializer(serializers.ModelSerializer):
    engagement_id = serializers.IntegerField(source="rfi_id", help_text="Groups the referrals of one request.")
    url = serializers.SerializerMethodField()
    etag = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="Partner Center's status for the state.")
    substatus = serializers.SerializerMethodField(help_text="Partner Center's substatus for the state.")
    location = LocationRefSerializer()
    owner = PersonSerializer(allow_null=True)
    request = RequestSummarySerializer(source="*")
    customer = serializers.SerializerMethodField(help_text="Shown once the partner said Interested.")
    deal = DealSerializer(source="*")
    outcome = OutcomeSerializer(source="*")
    deadlines = DeadlinesSerializer(source="*")
    actions = serializers.SerializerMethodField(help_text="The actions this key may take now.")

    class Meta:
        model = Referral
        fields = [
            "id", "engagement_id", "url", "etag", "state", "status", "substatus", "source", "location", "owner",
            "external_reference_id", "received_at", "first_response_at", "evaluating_at", "accepted_at",
            "closed_at", "updated_at", "deadlines", "request", "customer", "deal", "outcome", "actions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, referral: Referral) -> str:
        return absolute(reverse("api:referral", args=[referral.pk]))

    def get_etag(self, referral: Referral) -> str:
        return etag(referral)

    def get_status(self, referral: Referral) -> str:
        return PARTNER_CENTER_STATUS[referral.state][0]

    def get_substatus(self, referral: Referral) -> str:
        return PARTNER_CENTER_STATUS[referral.state][1]

    @extend_schema_field(CustomerSerializer(allow_null=True))
    def get_customer(self, referral: Referral) -> dict | None:
        if not referral.customer_details_visible:
            return None
        return CustomerSerializer(referral.rfi.customer).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=API_ACTIONS)))
    def get_actions(self, referral: Referral) -> list[str]:
        user = self.context.get("user")
        if user is None:
            return []
        return [action.name for action in registry.allowed(referral, user) if action.name in API_ACTIONS]


class ReferralUpdateSerializer(serializers.ModelSerializer):
    external_reference_id = serializers.CharField(
        max_length=100, allow_blank=True, help_text="Your CRM's id for the referral; unique among yours."
    )

    class Meta:
        model = Referral
        fields = ["external_reference_id"]


class ActorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActorKind.choices, source="actor_kind")
    name = serializers.SerializerMethodField()

    def get_name(self, event: ReferralEvent) -> str:
        if event.actor is None:
            return str(event.get_actor_kind_display())
        return event.actor.get_full_name() or event.actor.get_username()


class EventSerializer(serializers.ModelSerializer):
    referral = serializers.IntegerField(source="referral_id")
    action = serializers.ChoiceField(choices=EventAction.choices)
    from_state = serializers.ChoiceField(choices=State.choices, allow_blank=True,
                                         help_text="Empty for the referral's arrival.")  # fmt: skip
    to_state = serializers.ChoiceField(choices=State.choices)
    actor = ActorSerializer(source="*")
    details = serializers.DictField(child=serializers.CharField(), help_text="The values the step recorded.")

    class Meta:
        model = ReferralEvent
        fields = ["id", "referral", "action", "from_state", "to_state", "actor", "note", "details", "created_at"]
        read_only_fields = fields


class KeySerializer(serializers.Serializer):
    """Who the key is: what ``GET /api/v1/me/`` answers."""

    name = serializers.CharField()
    prefix = serializers.CharField()
    partner = serializers.CharField(source="partner.name")
    role = serializers.CharField(source="client.role")
    locations = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(LocationRefSerializer(many=True))
    def get_locations(self, key) -> list[dict]:
        if key.client.is_partner_admin:
            return []
        return LocationRefSerializer(key.client.locations.order_by("name"), many=True).data
