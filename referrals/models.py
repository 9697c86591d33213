from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, Transition, transition

from common import money, tokens
from common.choices import ChoiceLabelsMixin
from profiles.choices import CompanySize, Currency, Industry, Language, Region, SolutionArea

if TYPE_CHECKING:
    from profiles.models import PartnerCompany, User


class State(models.TextChoices):
    # The Japanese labels are the seed's (see locale/ja).
    NEW = "new", _("New")
    EVALUATING = "evaluating", _("Evaluating")
    NEGOTIATING = "negotiating", _("Negotiating")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    DISCONNECTED = "disconnected", _("Disconnected")


ACTIVE_STATES = (State.NEW, State.EVALUATING, State.NEGOTIATING)
ARCHIVED_STATES = tuple(s for s in State if s not in ACTIVE_STATES)
# Archived because the partner will not take it: the customer is asked to choose another partner.
PASSED_ON_STATES = (State.SKIPPED, State.FAILED, State.DECLINED, State.EXPIRED)


class Source(models.TextChoices):
    MARKETING = "marketing", _("Operator marketing")
    SALES = "sales", _("Operator sales")
    SEARCH = "search", _("Partner search")


class BudgetRange(models.TextChoices):
    """Four bands, the same in every currency; ``label_in`` writes a band in the currency the
    customer saw it in (these labels, in US dollars, are for the operators' filters)."""

    UNKNOWN = "unknown", _("Not decided yet")
    SMALL = "small", _("Under US$10,000")
    MEDIUM = "medium", _("US$10,000–50,000")
    LARGE = "large", _("US$50,000–250,000")
    XLARGE = "xlarge", _("Over US$250,000")

    @classmethod
    def label_in(cls, band: str, currency: str) -> str:
        if currency not in money.BUDGET_LIMITS or band not in cls.values or band == cls.UNKNOWN:
            return str(cls(band).label) if band in cls.values else band
        low, middle, high = (money.compact(limit, currency) for limit in money.BUDGET_LIMITS[currency])
        return {
            cls.SMALL: _("Under %(amount)s") % {"amount": low},
            cls.MEDIUM: _("%(low)s–%(high)s") % {"low": low, "high": middle},
            cls.LARGE: _("%(low)s–%(high)s") % {"low": middle, "high": high},
            cls.XLARGE: _("Over %(amount)s") % {"amount": high},
        }[cls(band)]

    @classmethod
    def choices_in(cls, currency: str) -> list[tuple[str, str]]:
        return [(band, cls.label_in(band, currency)) for band in cls.values]


class Timeline(models.TextChoices):
    NOW = "now", _("Within a month")
    QUARTER = "quarter", _("In 1–3 months")
    HALF_YEAR = "half_year", _("In 3–6 months")
    LATER = "later", _("In 6 months or more")
    RESEARCHING = "researching", _("Just researching")


class DeclineReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", _("Not a fit for our services")
    NO_CAPACITY = "no_capacity", _("No capacity at the moment")
    BUDGET = "budget", _("Budget does not match")
    UNREACHABLE = "unreachable", _("Could not reach the customer")
    LOCATION = "location", _("Outside the area we serve")
    OTHER = "other", _("Other")


class NotInterestedReason(models.TextChoices):
    """Why a partner skips a new referral: what Partner Center's partners report (REFERENCE.md)."""

    NOT_A_FIT = "not_a_fit", _("Not a fit for our services")
    NO_CAPACITY = "no_capacity", _("No capacity at the moment")
    LOCATION = "location", _("Outside the area we serve")
    UNREACHABLE = "unreachable", _("Could not reach the customer")
    DUPLICATE = "duplicate", _("Duplicate of a request we have")
    SPAM = "spam", _("Spam or abuse")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_DECISION = "no_decision", _("Customer made no decision")
    TIMING = "timing", _("Timing")
    REQUIREMENTS = "requirements", _("Requirements did not match")
    OTHER = "other", _("Other")


class Customer(models.Model):
    """Who asked: personal data, shown to a partner only after it says Interested."""

    contact_name = models.CharField(_("contact name"), max_length=200)
    company_name = models.CharField(_("company"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.JAPANESE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    erased_at = models.DateTimeField(
        _("personal data erased at"),
        null=True,
        blank=True,
        help_text=_("Set when the customer's personal data was erased on request; their referrals stay."),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # Requests from one address, whatever its case: confirmations per address, duplicates.
            models.Index(Upper("email"), name="customer_email"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name} ({self.company_name})"


def new_status_salt() -> str:
    return tokens.new_salt()


class RFIQuerySet(models.QuerySet["RFI"]):
    def by_status_token(self, token: str) -> RFIQuerySet:
        """The request whose private link carries ``token``; none for an erased customer's."""
        return self.filter(status_digest=tokens.digest_of(token), customer__erased_at__isnull=True)


class RFI(ChoiceLabelsMixin, models.Model):
    """A customer's request for information; sent to one or several partner locations."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="rfis")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.SEARCH)
    need = models.TextField(_("need"), max_length=4000)
    solution_area = models.CharField(_("solution area"), max_length=32, choices=SolutionArea.choices)
    company_size = models.CharField(_("company size"), max_length=16, choices=CompanySize.choices)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    budget_range = models.CharField(
        _("budget range"), max_length=16, choices=BudgetRange.choices, default=BudgetRange.UNKNOWN
    )
    budget_currency = models.CharField(
        _("budget currency"),
        max_length=3,
        choices=Currency.choices,
        default=Currency.USD,
        help_text=_("The currency the customer saw the budget bands in."),
    )
    timeline = models.CharField(_("timeline"), max_length=16, choices=Timeline.choices, default=Timeline.RESEARCHING)
    consent_to_share = models.BooleanField(
        _("consent to share contact details"),
        default=False,
        help_text=_("The customer agrees that the partners they chose see their contact details."),
    )
    # The customer's private link (``status_token``) is derived from this salt with the secret
    # key, and the row keeps only its digest (common.tokens): reading the database gives no
    # working link. Erasing the customer clears the digest, which revokes the link.
    status_salt = models.CharField(max_length=64, default=new_status_salt, editable=False)
    # NULL, not "", for a revoked link: a unique column holds many NULLs but one empty string.
    status_digest = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Operator staff who entered it on behalf of marketing or sales."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The same customer's earlier request (the same address, or the same company domain and
    # solution area, within DUPLICATE_WINDOW; or a partner's "duplicate" with the request it names).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("same customer's earlier request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="later_requests",
    )
    flagged_at = models.DateTimeField(
        _("flagged as spam or abuse at"), null=True, blank=True,
        help_text=_("A partner said Not interested with the reason “Spam or abuse”."),
    )  # fmt: skip
    flagged_by = models.ForeignKey(
        "profiles.PartnerCompany", verbose_name=_("flagged by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    objects = RFIQuerySet.as_manager()

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("RFI #%(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs) -> None:
        if self.status_digest is None and self.status_salt:
            self.status_digest = tokens.digest_of(self.status_token)
        super().save(*args, **kwargs)

    def get_budget_range_display(self) -> str:  # type: ignore[no-redef]
        """The band in the currency the customer chose it in, in the reader's language."""
        return BudgetRange.label_in(self.budget_range, self.budget_currency)

    @property
    def status_token(self) -> str:
        """The secret in the customer's status link: the same every time it is asked for."""
        return tokens.derived("referrals.rfi.status", self.status_salt)

    def revoke_status_link(self) -> None:
        self.status_salt, self.status_digest = "", None


class ReferralQuerySet(models.QuerySet["Referral"]):
    def for_partner(self, partner: PartnerCompany | int | None) -> ReferralQuerySet:
        if partner is None:
            return self.none()
        return self.filter(partner=partner)

    def for_user(self, user: User) -> ReferralQuerySet:
        """What a partner user may see: their own company's referrals, nothing else, and of
        those only their assigned locations' if they are a referral user."""
        if not user.is_authenticated or not user.partner_id:
            return self.none()
        mine = self.filter(partner_id=user.partner_id)
        if user.location_scope is not None:
            mine = mine.filter(location_id__in=user.location_scope)
        return mine

    def received_between(self, since: date | None, until: date | None) -> ReferralQuerySet:
        """Received on or after ``since`` and on or before ``until``, days in the active time zone."""
        zone = timezone.get_current_timezone()
        referrals = self
        if since:
            referrals = referrals.filter(received_at__gte=datetime.combine(since, time.min, zone))
        if until and until < date.max:  # up to the last day there is: no upper bound at all
            referrals = referrals.filter(received_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone))
        return referrals

    def active(self) -> ReferralQuerySet:
        return self.filter(state__in=ACTIVE_STATES)

    def awaiting_response(self) -> ReferralQuerySet:
        return self.filter(state=State.NEW).order_by("received_at")

    def overdue_new(self, now: datetime) -> ReferralQuerySet:
        """New referrals nobody answered within the response window (→ failed)."""
        return self.filter(state=State.NEW, received_at__lte=now - settings.REFERRAL_NEW_TIMEOUT)

    def overdue_evaluating(self, now: datetime) -> ReferralQuerySet:
        """Evaluating referrals with no accept or decline within the window (→ expired)."""
        return self.filter(state=State.EVALUATING, evaluating_at__lte=now - settings.REFERRAL_EVALUATING_TIMEOUT)

    def due_reminder(self, now: datetime) -> ReferralQuerySet:
        """New referrals past the recommended response time, not yet reminded, not yet overdue."""
        return self.filter(
            state=State.NEW,
            reminded_at__isnull=True,
            received_at__lte=now - settings.REFERRAL_RESPONSE_RECOMMENDED,
            received_at__gt=now - settings.REFERRAL_NEW_TIMEOUT,
        )

    def due_last_call(self, now: datetime) -> ReferralQuerySet:
        """Referrals within the last-call window before they fail or expire, not yet called."""
        before = settings.REFERRAL_LAST_CALL
        return self.filter(last_call_at__isnull=True).filter(
            Q(
                state=State.NEW,
                received_at__lte=now - (settings.REFERRAL_NEW_TIMEOUT - before),
                received_at__gt=now - settings.REFERRAL_NEW_TIMEOUT,
            )
            | Q(
                state=State.EVALUATING,
                evaluating_at__lte=now - (settings.REFERRAL_EVALUATING_TIMEOUT - before),
                evaluating_at__gt=now - settings.REFERRAL_EVALUATING_TIMEOUT,
            )
        )


def answered_in_time() -> Q:
    """DOMAIN.md: a response within 24 hours is recommended. The one definition of it, as a
    filter (``Referral.answered_in_time`` is the same for one referral in memory)."""
    return Q(
        first_response_at__isnull=False,
        first_response_at__lte=F("received_at") + settings.REFERRAL_RESPONSE_RECOMMENDED,
    )


# django-fsm calls permissions with (instance, user) and conditions with (instance), typed for
# any model and any user: each predicate checks what it was given.


def _may_act_for_partner(referral: models.Model, user: object) -> bool:
    """Partner actions: the referral's own partner users, or operator staff acting for them."""
    from profiles.models import User

    if not isinstance(referral, Referral) or not isinstance(user, User) or not user.is_active:
        return False
    if user.partner_id is not None:
        in_scope = user.location_scope is None or referral.location_id in user.location_scope
        return user.partner_id == referral.partner_id and in_scope
    return user.is_staff and user.has_perm("referrals.change_referral")


def may_work_on(referral: Referral, user: object) -> bool:
    """Who may assign a referral or write a note on it: as for the partner actions, its own
    partner's users who see it, or operator staff acting for them."""
    return _may_act_for_partner(referral, user)


def _may_disconnect(referral: models.Model, user: object) -> bool:
    """Only operator staff disconnect from the portal; customers withdraw through their status link."""
    from profiles.models import User

    return isinstance(user, User) and user.is_active and user.is_staff and user.has_perm("referrals.change_referral")


def _has_estimate(referral: models.Model) -> bool:
    assert isinstance(referral, Referral)
    return bool(
        referral.deal_value is not None and referral.deal_value > 0 and referral.currency and referral.close_date
    )


def _has_decline_reason(referral: models.Model) -> bool:
    assert isinstance(referral, Referral)
    return bool(referral.decline_reason)


def _has_final_value(referral: models.Model) -> bool:
    assert isinstance(referral, Referral)
    return referral.final_value is not None and referral.final_value > 0 and bool(referral.currency)


def _has_lost_reason(referral: models.Model) -> bool:
    assert isinstance(referral, Referral)
    return bool(referral.lost_reason)


class Referral(ChoiceLabelsMixin, FSMModelMixin, models.Model):
    """One RFI as one partner location received it. Its state changes only through
    ``referrals.lifecycle`` (one referral) and ``referrals.sweeps`` (many); the field is
    protected against assignment (``FSMModelMixin`` lets ``refresh_from_db`` read it). Lost
    updates are prevented by the row lock ``lifecycle.apply`` takes and by the sweep's
    ``WHERE state = <source>``: one mechanism, so not django-fsm's ConcurrentTransitionMixin,
    whose version check would double the lock."""

    # No index of their own: one_referral_per_rfi_location and referral_inbox lead with them,
    # and every index is one more write for each change of state.
    rfi = models.ForeignKey(
        RFI, verbose_name=_("RFI"), on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    partner = models.ForeignKey(
        "profiles.PartnerCompany",
        verbose_name=_("partner company"),
        on_delete=models.PROTECT,
        related_name="referrals",
        db_index=False,
    )
    location = models.ForeignKey(
        "profiles.Location", verbose_name=_("location"), on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    state = FSMField(_("state"), default=State.NEW, choices=State.choices, protected=True)

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    evaluating_at = models.DateTimeField(_("evaluating since"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    deal_value = models.DecimalField(
        _("estimated deal value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    final_value = models.DecimalField(_("final deal value"), max_digits=14, decimal_places=2, null=True, blank=True)
    decline_reason = models.CharField(_("decline reason"), max_length=16, choices=DeclineReason.choices, blank=True)
    skip_reason = models.CharField(
        _("not-interested reason"), max_length=16, choices=NotInterestedReason.choices, blank=True
    )
    lost_reason = models.CharField(_("lost reason"), max_length=16, choices=LostReason.choices, blank=True)
    outcome_note = models.TextField(_("note"), max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_referrals",
        help_text=_("The partner's colleague who handles it."),
    )
    external_reference_id = models.CharField(
        _("CRM reference"),
        max_length=100,
        blank=True,
        help_text=_("The partner's own id for this referral in its CRM (set through the API); unique per partner."),
    )
    reminded_at = models.DateTimeField(_("24-hour reminder sent at"), null=True, blank=True)
    last_call_at = models.DateTimeField(_("last call sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The outbox's emails about this referral (OutboundEmail.objects.filter(referral=…)).
    emails = GenericRelation(
        "outbox.OutboundEmail",
        content_type_field="about_type",
        object_id_field="about_id",
        related_query_name="referral",
    )

    objects = ReferralQuerySet.as_manager()

    if TYPE_CHECKING:  # added by django-fsm for the ``state`` field

        def get_all_state_transitions(self) -> Iterator[Transition]: ...

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-received_at"]
        indexes = [
            # The partner's inbox: one company's referrals in a stage, newest or oldest first.
            models.Index(fields=["partner", "state", "received_at"], name="referral_inbox"),
            # The archive tab spans seven states: newest first straight off one index.
            models.Index(
                fields=["partner", "-received_at", "-id"],
                condition=Q(state__in=[state.value for state in ARCHIVED_STATES]),
                name="referral_archive",
            ),
            # The negotiating tab has no clock to empty it: its sorts by close date (the default)
            # and deal value read a page off an index instead of sorting the whole tab.
            models.Index(
                fields=["partner", "close_date", "id"], condition=Q(state="negotiating"), name="referral_closing"
            ),
            models.Index(
                fields=["partner", "deal_value", "id"], condition=Q(state="negotiating"), name="referral_deal_value"
            ),
            # The 72-hour sweep reads only new referrals by when they arrived.
            models.Index(fields=["received_at"], condition=Q(state="new"), name="referral_new_due"),
            # The 7-day sweep reads only evaluating referrals by when they entered evaluating.
            models.Index(fields=["evaluating_at"], condition=Q(state="evaluating"), name="referral_evaluating_due"),
            # The API's list and sync: one partner's referrals by when they last changed.
            models.Index(fields=["partner", "updated_at", "id"], name="referral_sync"),
            # The reminder sweep reads only new referrals not yet reminded.
            models.Index(
                fields=["received_at"], condition=Q(state="new", reminded_at__isnull=True), name="referral_remind_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rfi", "location"], name="one_referral_per_rfi_location"),
            models.UniqueConstraint(
                fields=["partner", "external_reference_id"],
                condition=~Q(external_reference_id=""),
                name="one_referral_per_crm_reference",
            ),
        ]

    def __str__(self) -> str:
        return _("Referral #%(id)s") % {"id": self.pk}

    # --- What the rules count from --------------------------------------------------------
    @property
    def fails_at(self) -> datetime | None:
        return self.received_at + settings.REFERRAL_NEW_TIMEOUT if self.state == State.NEW else None

    @property
    def expires_at(self) -> datetime | None:
        if self.state == State.EVALUATING and self.evaluating_at:
            return self.evaluating_at + settings.REFERRAL_EVALUATING_TIMEOUT
        return None

    @property
    def answered_in_time(self) -> bool:
        """Answered within the recommended 24 hours (``answered_in_time()`` as a filter)."""
        return (
            self.first_response_at is not None
            and self.first_response_at <= self.received_at + settings.REFERRAL_RESPONSE_RECOMMENDED
        )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def customer_details_visible(self) -> bool:
        """The customer's name, company, email and phone reach the partner only once it said
        Interested; a referral that never got there never shows them, whatever its state."""
        return self.evaluating_at is not None

    def actions_for(self, user: User) -> list[str]:
        """The transitions ``user`` may start now, to offer as buttons. Conditions are left out:
        Accept's estimate is what the user is about to type. The system's own transitions (fail,
        expire) carry no permission and are never offered."""
        return [
            transition.name
            for transition in self.get_all_state_transitions()
            if transition.source == self.state and transition.permission and transition.has_perm(self, user)
        ]

    # --- Transitions: each changes only this row; ``referrals.actions`` is the way in. ---
    @transition(state, source=State.NEW, target=State.EVALUATING, permission=_may_act_for_partner)
    def mark_interested(self, now: datetime) -> None:
        self.first_response_at = now
        self.evaluating_at = now
        self.last_call_at = None  # the 7-day stage has its own last call

    @transition(state, source=State.NEW, target=State.SKIPPED, permission=_may_act_for_partner)
    def mark_not_interested(self, now: datetime) -> None:
        self.first_response_at = now
        self.closed_at = now

    @transition(state, source=State.NEW, target=State.FAILED)
    def fail(self, now: datetime) -> None:
        self.closed_at = now

    @transition(
        state,
        source=State.EVALUATING,
        target=State.NEGOTIATING,
        conditions=[_has_estimate],
        permission=_may_act_for_partner,
    )
    def accept(self, now: datetime) -> None:
        self.accepted_at = now

    @transition(
        state,
        source=State.EVALUATING,
        target=State.DECLINED,
        conditions=[_has_decline_reason],
        permission=_may_act_for_partner,
    )
    def decline(self, now: datetime) -> None:
        self.closed_at = now

    @transition(state, source=State.EVALUATING, target=State.EXPIRED)
    def expire(self, now: datetime) -> None:
        self.closed_at = now

    @transition(
        state,
        source=State.NEGOTIATING,
        target=State.WON,
        conditions=[_has_final_value],
        permission=_may_act_for_partner,
    )
    def mark_won(self, now: datetime) -> None:
        self.closed_at = now

    @transition(
        state,
        source=State.NEGOTIATING,
        target=State.LOST,
        conditions=[_has_lost_reason],
        permission=_may_act_for_partner,
    )
    def mark_lost(self, now: datetime) -> None:
        self.closed_at = now

    @transition(state, source=list(ACTIVE_STATES), target=State.DISCONNECTED, permission=_may_disconnect)
    def disconnect(self, now: datetime) -> None:
        self.closed_at = now


@dataclass(frozen=True)
class BulkTransition:
    """What a system transition writes, for a set-based job to write to many rows at once."""

    name: str
    source: State
    target: State
    fields: dict[str, Any]


def bulk_transition(name: str, now: datetime) -> BulkTransition:
    """The source, the target and the fields ``Referral.<name>`` sets, read off the transition
    itself: its django-fsm declaration, and what it writes when run on a blank referral in its
    source state. The sweep's UPDATE writes exactly these, so it cannot drift from the one
    definition of the transition. Only for system transitions whose writes depend on ``now``
    alone (fail, expire): a transition with conditions or a permission needs a person."""
    method = getattr(Referral, name)
    [(source, fsm_transition)] = method._django_fsm.transitions.items()
    assert not fsm_transition.conditions and fsm_transition.permission is None, f"{name} is not a system transition"
    probe = Referral(state=source)
    before = {field.attname: getattr(probe, field.attname) for field in Referral._meta.concrete_fields}
    getattr(probe, name)(now)
    fields = {
        attname: getattr(probe, attname)
        for attname, value in before.items()
        if attname != "state" and getattr(probe, attname) != value
    }
    return BulkTransition(name, State(source), State(fsm_transition.target), fields)


class EventAction(models.TextChoices):
    """What a timeline entry records: a referral's arrival, or the transition that moved it."""

    RECEIVED = "received", pgettext_lazy("a step of the history", "Received")
    MARK_INTERESTED = "mark_interested", _("Interested")
    MARK_NOT_INTERESTED = "mark_not_interested", _("Not interested")
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")
    MARK_WON = "mark_won", _("Won")
    MARK_LOST = "mark_lost", _("Lost")
    FAIL = "fail", _("No answer within 72 hours")
    EXPIRE = "expire", _("No accept or decline within 7 days")
    DISCONNECT = "disconnect", _("Disconnected")
    # Steps that do not move the state.
    ASSIGN = "assign", _("Assigned")
    ADD_NOTE = "add_note", _("Note")
    UPDATE_ESTIMATE = "update_estimate", _("Estimate updated")


class ActorKind(models.TextChoices):
    PARTNER = "partner", _("Partner")
    OPERATOR = "operator", _("Operator")
    CUSTOMER = "customer", _("Customer")
    SYSTEM = "system", _("System")


class ReferralEvent(ChoiceLabelsMixin, models.Model):
    """One entry of a referral's timeline: every transition, who or what made it, and when."""

    referral = models.ForeignKey(  # indexed by referral_event_timeline, which leads with it
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="events", db_index=False
    )
    action = models.CharField(_("action"), max_length=32, choices=EventAction.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_kind = models.CharField(_("actor"), max_length=16, choices=ActorKind.choices)
    note = models.TextField(_("note"), blank=True)
    # The values the step recorded: an estimate, a final value, a reason, the new owner…
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "created_at"], name="referral_event_timeline")]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_state or '∅'} → {self.to_state}"


class ReferralTally(models.Model):
    """How many of a partner's referrals at one location about one solution area are in one
    state, and how many of those were answered within 24 hours or accepted: ``GROUP BY
    partner, location, solution area, state`` over the referrals (the location so that a
    referral user's counts are theirs), kept by ``referrals.tally`` in the transaction of every change
    (creating, each action, each sweep), so the inbox's tabs, the dashboard and partner search
    read a few rows instead of a partner's whole history. ``manage.py recount_tallies``
    rebuilds it from the referrals."""

    partner = models.ForeignKey("profiles.PartnerCompany", on_delete=models.CASCADE, related_name="+")
    # No index of its own: one_tally_per_key leads with the partner, and rows are read by partner.
    location = models.ForeignKey("profiles.Location", on_delete=models.CASCADE, related_name="+", db_index=False)
    solution_area = models.CharField(max_length=32, choices=SolutionArea.choices)
    state = models.CharField(max_length=16, choices=State.choices)
    count = models.IntegerField(default=0)  # how many referrals are there
    answered_in_time = models.IntegerField(default=0)  # of those, answered within 24 hours
    accepted = models.IntegerField(default=0)  # of those, ever accepted

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "location", "solution_area", "state"], name="one_tally_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}/{self.location_id}/{self.solution_area}/{self.state}: {self.count}"


class ReferralRead(models.Model):
    """A partner user opened a referral's page: the inbox marks the referrals a user never opened."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reads")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "referral"], name="one_read_per_user_referral")]

    def __str__(self) -> str:
        return f"{self.user_id} read #{self.referral_id}"

    @classmethod
    def mark(cls, user_id: int, referral_id: int) -> bool:
        """Record that the user opened the referral; True the first time. One statement either
        way (``get_or_create`` read first, then wrapped its insert in a transaction)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {cls._meta.db_table} (user_id, referral_id, at) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (user_id, referral_id) DO NOTHING RETURNING id",
                [user_id, referral_id, timezone.now()],
            )
            return cursor.fetchone() is not None


class BlockedSender(models.Model):
    """An email address or a whole domain whose requests are dropped: the sender sees the usual
    thank-you page, and nothing is stored or sent."""

    address = models.CharField(
        _("email address or domain"),
        max_length=254,
        unique=True,
        help_text=_("An address (spam@example.com) or a domain (example.com), without @."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("blocked by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("blocked at"), default=timezone.now)

    class Meta:
        verbose_name = _("blocked sender")
        verbose_name_plural = _("blocked senders")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs) -> None:
        self.address = self.address.strip().lower().lstrip("@")
        super().save(*args, **kwargs)

    @classmethod
    def blocks(cls, email: str) -> bool:
        address = email.strip().lower()
        return cls.objects.filter(address__in=[address, address.rpartition("@")[2]]).exists()
