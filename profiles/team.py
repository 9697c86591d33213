"""A partner's team, run by its referral admins: inviting colleagues, their roles and assigned
locations, deactivating them.

The rules this room keeps: a partner always keeps at least one active referral admin (its
users' rows are locked while that is checked, so two admins demoting each other at once cannot
both succeed); an invitation is valid ``INVITATION_DAYS`` days, used once, for its partner
only; every change is recorded (``changelog``) in its transaction. Each public function is an
entry point with a durable transaction of its own; a role change or a deactivation takes
effect on the user's next request (the backend reads the user afresh each request).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.queue import enqueue
from outbox.rendering import Message

from . import changelog
from .models import Invitation, Location, PartnerCompany, User


def _role_label(role: str) -> str:
    return str(User.Role(role).label)


def _location_names(locations: Iterable[Location]) -> list[str]:
    return [location.name for location in locations]


def _check_locations(partner: PartnerCompany, role: str, locations: list[Location]) -> None:
    if any(location.profile.partner_id != partner.pk for location in locations):
        raise ValidationError({"locations": _("Choose locations of your own company.")})
    if role == User.Role.USER and not locations:
        raise ValidationError({"locations": _("A referral user needs at least one location to see referrals of.")})


def _admins_left(partner: PartnerCompany, *, without: User) -> int:
    """Active referral admins of ``partner`` other than ``without``, their rows locked."""
    admins = User.objects.people().select_for_update().filter(partner=partner, role=User.Role.ADMIN, is_active=True)
    return len([admin for admin in admins.exclude(pk=without.pk)])


def invite(
    *,
    by: User,
    email: str,
    role: str,
    locations: Iterable[Location],
    language: str,
    now: datetime | None = None,
) -> Invitation:
    """Invite a colleague to ``by``'s company; the email with the link goes through the outbox."""
    now = now or timezone.now()
    partner = by.partner
    assert partner is not None and by.is_partner_admin
    locations = list(locations) if role == User.Role.USER else []
    _check_locations(partner, role, locations)
    if User.objects.filter(partner=partner, email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": _("Someone on your team already signs in with this address.")})
    with transaction.atomic(durable=True):
        invitation = Invitation.objects.create(
            partner=partner, email=email, role=role, language=language, invited_by=by, created_at=now
        )
        invitation.locations.set(locations)
        changelog.record(
            partner,
            by=by,
            subject=_("Invitation: %(email)s") % {"email": email},
            before={},
            after={_("Role"): _role_label(role), _("Locations"): _location_names(locations)},
        )
        enqueue(
            [
                Message(
                    dedupe_key=f"invitation:{invitation.pk}",
                    template="invitation",
                    to_email=email,
                    language=language,
                    about=invitation,
                )
            ],
            now=now,
        )
    return invitation


def withdraw_invitation(invitation: Invitation, *, by: User, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_open(now):
            return
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        changelog.record(
            invitation.partner,
            by=by,
            subject=_("Invitation: %(email)s") % {"email": invitation.email},
            before={_("Status"): _("Open")},
            after={_("Status"): _("Withdrawn")},
        )


class InvitationUnusable(Exception):
    """The invitation was used, withdrawn or has expired: the message says which."""


def unusable_because(invitation: Invitation, now: datetime) -> str | None:
    """Why the invitation can no longer be used, in the invitee's words; None if it can."""
    if invitation.accepted_at is not None:
        return _("This invitation was already used. Sign in with the account it made.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn. Ask your referral admin for a new one.")
    if now >= invitation.expires_at:
        return _("This invitation has expired. Ask your referral admin for a new one.")
    if not invitation.partner.is_active:
        return _("Your company no longer uses the portal.")
    return None


def accept(
    invitation: Invitation,
    *,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    now: datetime | None = None,
) -> User:
    """The colleague sets their name and password: the account exists from now on, with the
    invitation's role and locations, and the invitation is used up."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        invitation = Invitation.objects.select_for_update().select_related("partner").get(pk=invitation.pk)
        problem = unusable_because(invitation, now)
        if problem:
            raise InvitationUnusable(problem)
        user = User(
            username=username,
            email=invitation.email,
            first_name=first_name,
            last_name=last_name,
            partner=invitation.partner,
            role=invitation.role,
            language=invitation.language,
        )
        validate_password(password, user)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as taken:
            raise ValidationError({"username": _("This username is taken. Choose another.")}) from taken
        user.locations.set(invitation.locations.all())
        invitation.accepted_at, invitation.user = now, user
        invitation.save(update_fields=["accepted_at", "user"])
        changelog.record(
            invitation.partner,
            by=user,
            subject=_("Team member: %(name)s") % {"name": username},
            before={},
            after={_("Role"): _role_label(user.role), _("Active"): True},
        )
    return user


def update_member(member: User, *, by: User, role: str, locations: Iterable[Location], is_active: bool) -> User:
    """Change a colleague's role, assigned locations or whether they may sign in."""
    with transaction.atomic(durable=True):
        member = User.objects.select_for_update().get(pk=member.pk)
        partner = by.partner
        assert partner is not None and by.is_partner_admin and member.partner_id == partner.pk
        locations = list(locations) if role == User.Role.USER else []
        _check_locations(partner, role, locations)
        still_admin = role == User.Role.ADMIN and is_active
        if (
            member.is_partner_admin
            and member.is_active
            and not still_admin
            and not _admins_left(partner, without=member)
        ):
            raise ValidationError(
                _("Your company needs at least one active referral admin: make someone else one first.")
            )
        before = {
            _("Role"): _role_label(member.role),
            _("Locations"): _location_names(member.locations.all()),
            _("Active"): member.is_active,
        }
        member.role, member.is_active = role, is_active
        member.save(update_fields=["role", "is_active"])
        member.locations.set(locations)
        changelog.record(
            partner,
            by=by,
            subject=_("Team member: %(name)s") % {"name": member.get_username()},
            before=before,
            after={_("Role"): _role_label(role), _("Locations"): _location_names(locations), _("Active"): is_active},
        )
    return member
