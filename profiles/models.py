from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from common import tokens
from common.choices import ChoiceLabelsMixin

from .choices import ChoiceListValidator, CompanySize, Industry, Language, Region, SolutionArea, labels

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()\-]{5,24}$",
    _("Enter a phone number of digits, spaces, hyphens and brackets, optionally starting with +."),
)


def default_time_zone() -> str:
    return settings.DEFAULT_USER_TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), params={"value": value})


class PartnerCompanyQuerySet(models.QuerySet["PartnerCompany"]):
    def bump_content_version(self) -> None:
        """Mark everything these partners' pages show as changed (``content_version``), inside
        the caller's transaction. Rows are locked in id order, so two jobs bumping overlapping
        partners queue instead of deadlocking."""
        with transaction.atomic():
            ids = list(self.order_by("pk").select_for_update().values_list("pk", flat=True))
            PartnerCompany.objects.filter(pk__in=ids).update(content_version=F("content_version") + 1)


class PartnerCompany(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Bumped in the transaction of every change to what the partner's pages show (a referral's
    # action, the sweep, an erasure, a recount, an edit of a profile, location or contact);
    # every cache key of those pages carries it (referrals.caching). Only ever incremented in
    # the database: a save of the company leaves it alone.
    content_version = models.PositiveBigIntegerField(_("content version"), default=0, editable=False)

    objects = PartnerCompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner company")
        verbose_name_plural = _("partner companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            # A form holding the company since before a change must not write an older version back.
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields if field.name not in ("id", "content_version")
            ]
        super().save(*args, **kwargs)


class PortalUserManager(UserManager["User"]):
    def people(self) -> models.QuerySet[User]:
        """Users who are persons: not the identities API keys act as."""
        return self.filter(is_api_client=False)


class User(AbstractUser):
    """A portal user: a partner company's user, or operator staff (no company, ``is_staff``);
    or the identity an API key acts as (``is_api_client``), with the role and locations the
    key was given, so that a key is authorized exactly as a partner user of that scope."""

    class Role(models.TextChoices):
        # Partner Center's two roles (DOMAIN.md, "The partner's team").
        ADMIN = "admin", _("Referral admin")
        USER = "user", _("Referral user")

    partner = models.ForeignKey(
        PartnerCompany,
        verbose_name=_("partner company"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("Leave empty for operator staff."),
    )
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.USER,
        help_text=_(
            "A referral admin sees every location's referrals and runs the profiles and the team; a referral "
            "user sees the referrals of the locations assigned to them."
        ),
    )
    locations: models.ManyToManyField[Location, Any] = models.ManyToManyField(
        "Location",
        verbose_name=_("assigned locations"),
        blank=True,
        related_name="assigned_users",
        help_text=_("The locations whose referrals a referral user sees."),
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.JAPANESE)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    is_api_client = models.BooleanField(
        _("API key"),
        default=False,
        editable=False,
        help_text=_("The identity an API key acts as: it cannot sign in, own referrals or be on the team."),
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def is_partner_admin(self) -> bool:
        return self.partner_id is not None and self.role == self.Role.ADMIN

    @cached_property
    def location_scope(self) -> frozenset[int] | None:
        """The locations whose referrals this partner user sees: None for every location of
        the partner (a referral admin), else the assigned ones (read once per request)."""
        if self.is_partner_admin:
            return None
        return frozenset(self.locations.values_list("pk", flat=True))

    def clean(self) -> None:
        super().clean()
        # ``self.partner``, not ``partner_id``: a user added inline with a new company has the
        # (unsaved) company but no id yet.
        if self.partner is None and not self.is_staff and not self.is_superuser:
            raise ValidationError({"partner": _("A user who is not operator staff must belong to a partner company.")})


class BusinessProfile(ChoiceLabelsMixin, models.Model):
    """What a partner offers in one region; matching and partner search read it."""

    partner = models.ForeignKey(
        PartnerCompany, verbose_name=_("partner company"), on_delete=models.CASCADE, related_name="profiles"
    )
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    headline = models.CharField(_("headline"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Comma-separated words customers search for.")
    )
    solution_areas = models.JSONField(
        _("specialties"), default=list, blank=True, validators=[ChoiceListValidator(SolutionArea)]
    )
    industries = models.JSONField(_("industries"), default=list, blank=True, validators=[ChoiceListValidator(Industry)])
    company_sizes = models.JSONField(
        _("company sizes served"), default=list, blank=True, validators=[ChoiceListValidator(CompanySize)]
    )
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[ChoiceListValidator(Language)])
    is_active = models.BooleanField(
        _("active"), default=False, help_text=_("Only active profiles can be found and receive referrals.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")
        ordering = ["partner__name", "region"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "region"], name="one_profile_per_partner_region"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} — {self.get_region_display()}"

    @property
    def solution_area_labels(self) -> list[str]:
        return labels(SolutionArea, self.solution_areas)

    @property
    def industry_labels(self) -> list[str]:
        return labels(Industry, self.industries)

    @property
    def company_size_labels(self) -> list[str]:
        return labels(CompanySize, self.company_sizes)

    def has_receiving_location(self) -> bool:
        """What an active profile needs: a location whose new-referral emails someone gets."""
        return self.pk is not None and self.locations.receiving().exists()


ACTIVE_PROFILE_NEEDS_CONTACT = _(
    "An active profile needs at least one active location with a contact who receives the new-referral "
    "emails. Add a location and its contacts, or save the profile inactive."
)


def can_receive(is_active: bool, contacts_receive: Iterable[bool]) -> bool:
    """The rule, for a location that may not be saved yet (a form being checked): active, with
    at least one contact who receives the new-referral emails. ``LocationQuerySet.receiving``
    is the same rule in SQL; a test holds them together."""
    return is_active and any(contacts_receive)


def month_start(today: date) -> datetime:
    """The first moment of ``today``'s month, in the current time zone (a monthly cap's month)."""
    return datetime.combine(today.replace(day=1), time.min, timezone.get_current_timezone())


class LocationQuerySet(models.QuerySet["Location"]):
    """The one definition of who can receive a referral, in steps."""

    def receiving(self) -> LocationQuerySet:
        """Active locations with at least one contact who receives the new-referral emails
        (``can_receive``, in SQL). What an active profile needs."""
        return self.filter(
            Exists(Contact.objects.filter(location=OuterRef("pk"), receives_referrals=True)), is_active=True
        )

    def open_today(self, today: date) -> LocationQuerySet:
        """Not paused today, and under its monthly cap: both lift by themselves with the date.
        The month's referrals are counted only for a location with a cap."""
        # The referrals app's Referral, reached through the relation: profiles imports no app above it.
        referral = Location.referrals.rel.related_model
        this_month = (
            referral._default_manager.filter(location=OuterRef("pk"), received_at__gte=month_start(today))
            .order_by()
            .values("location")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.filter(Q(paused_until__isnull=True) | Q(paused_until__lt=today)).filter(
            Q(monthly_cap__isnull=True) | Q(monthly_cap__gt=Coalesce(Subquery(this_month), 0))
        )

    def reachable(self, today: date | None = None) -> LocationQuerySet:
        """Locations a referral may go to now: receiving and open, of an active profile of an
        active partner."""
        today = today or timezone.localdate()
        return self.receiving().open_today(today).filter(profile__is_active=True, profile__partner__is_active=True)


class Location(models.Model):
    """An office of a partner in a profile's region; its contacts get the new-referral emails."""

    profile = models.ForeignKey(
        BusinessProfile, verbose_name=_("business profile"), on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    paused_until = models.DateField(
        _("paused until"),
        null=True,
        blank=True,
        help_text=_("No new referrals up to and including this day (holidays, a full pipeline); they resume after."),
    )
    monthly_cap = models.PositiveIntegerField(
        _("new referrals a month at most"),
        null=True,
        blank=True,
        help_text=_("Once this many arrived in a month, the location leaves partner search until the next month."),
    )
    default_owner = models.ForeignKey(
        "User",
        verbose_name=_("default owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("New referrals of this location are assigned to this colleague."),
    )

    objects = LocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["profile", "name"]
        constraints = [models.UniqueConstraint(fields=["profile", "name"], name="one_location_per_profile_name")]

    def __str__(self) -> str:
        return f"{self.profile.partner} — {self.name} ({self.city})"

    @property
    def receiving_contacts(self) -> models.QuerySet[Contact]:
        """Who gets this location's new-referral emails (and its reminders)."""
        return self.contacts.filter(receives_referrals=True)

    def closed_because(self, today: date) -> str | None:
        """Why customers cannot choose this location today, for its partner's admins; None if they can."""
        if not self.is_active:
            return str(_("Inactive."))
        if not self.contacts.filter(receives_referrals=True).exists():
            return str(_("Nobody receives its new-referral emails: add a contact who does."))
        if self.paused_until and self.paused_until >= today:
            return str(_("Paused until %(date)s.") % {"date": date_format(self.paused_until, "DATE_FORMAT")})
        if self.monthly_cap is not None:
            received = self.referrals.filter(received_at__gte=month_start(today)).count()
            if received >= self.monthly_cap:
                return str(
                    _("Full for this month: %(count)d of %(cap)d new referrals arrived; it is back next month.")
                    % {"count": received, "cap": self.monthly_cap}
                )
        return None


class Contact(models.Model):
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.JAPANESE)
    receives_referrals = models.BooleanField(
        _("receives new-referral emails"),
        default=True,
        help_text=_("New referrals, reminders and disconnections of this location are emailed to this contact."),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["location", "email"], name="one_contact_per_location_email")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@receiver([post_save, post_delete], sender=BusinessProfile)
@receiver([post_save, post_delete], sender=Location)
@receiver([post_save, post_delete], sender=Contact)
def profile_changed(sender, instance, **kwargs) -> None:
    """A profile, location or contact shows on the partner's pages (a location's name, the tips
    about contacts): whoever edits them (admin, self-service), the pages follow at once."""
    if sender is BusinessProfile:
        partners = PartnerCompany.objects.filter(pk=instance.partner_id)
    elif sender is Location:
        partners = PartnerCompany.objects.filter(profiles=instance.profile_id)
    else:
        partners = PartnerCompany.objects.filter(profiles__locations=instance.location_id)
    partners.bump_content_version()


INVITATION_DAYS = 7


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def by_token(self, token: str) -> InvitationQuerySet:
        return self.filter(digest=tokens.digest_of(token))


class Invitation(models.Model):
    """A partner admin's invitation to a colleague: valid ``INVITATION_DAYS`` days, used once,
    bound to the partner. The link's secret is derived from ``salt`` with the secret key and
    the row keeps only its digest (``common.tokens``): the invitation email is built at send
    time, and reading the database or the outbox gives no working link."""

    partner = models.ForeignKey(
        PartnerCompany, verbose_name=_("partner company"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=User.Role.choices)
    locations = models.ManyToManyField(Location, verbose_name=_("assigned locations"), blank=True, related_name="+")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.JAPANESE)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    salt = models.CharField(max_length=64, default=tokens.new_salt, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Invitation for %(email)s") % {"email": self.email}

    def save(self, *args, **kwargs) -> None:
        if not self.digest:
            self.digest = tokens.digest_of(self.token)
        if self.expires_at is None:
            self.expires_at = self.created_at + timedelta(days=INVITATION_DAYS)
        super().save(*args, **kwargs)

    @property
    def token(self) -> str:
        return tokens.derived("profiles.invitation", self.salt)

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at


class PartnerChange(models.Model):
    """One change a partner's team made to its profiles, locations, contacts or team, with the
    values before and after: shown to the partner's admins and to operators."""

    partner = models.ForeignKey(
        PartnerCompany, verbose_name=_("partner company"), on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+")
    subject = models.CharField(_("what"), max_length=200)  # "Business profile: Japan", "Location: Tokyo HQ"
    changes = models.JSONField(_("changes"), default=dict)  # field label → [before, after]
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("change by the partner")
        verbose_name_plural = _("changes by the partner")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="partner_change_log")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.created_at:%Y-%m-%d %H:%M})"
