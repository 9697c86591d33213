"""The partner's team, for its referral admins; and the page an invited colleague opens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import add_errors, submitted
from common.middleware import RefusedFormRedirect

from . import team
from .auth import PartnerRequest, partner_admin_required, partner_of
from .models import Invitation, PartnerChange, User
from .team_forms import AcceptInvitationForm, InviteForm, MemberForm


def _team_page(request: PartnerRequest, invite_form: InviteForm, status: int = 200) -> HttpResponse:
    partner = partner_of(request.user)
    now = timezone.now()
    return render(
        request,
        "profiles/team.html",
        {
            "members": partner.users.people().order_by("-is_active", "username").prefetch_related("locations"),
            "invitations": [
                invitation
                for invitation in partner.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
                .prefetch_related("locations")
                .order_by("-created_at")
                if invitation.is_open(now)
            ],
            "invite_form": invite_form,
        },
        status=status,
    )


@partner_admin_required
@require_http_methods(["GET", "POST"])
def team_page(request: PartnerRequest) -> HttpResponse:
    partner = partner_of(request.user)
    if request.method == "POST":
        form = InviteForm(request.POST, partner=partner)
        if form.is_valid():
            data = form.cleaned_data
            try:
                team.invite(
                    by=request.user,
                    email=data["email"],
                    role=data["role"],
                    locations=data["locations"],
                    language=data["language"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(email)s is invited: the link in their email works for 7 days.") % {"email": data["email"]},
                )
                return redirect("profiles:team")
        messages.error(request, _("Please correct the fields marked below."))
        return _team_page(request, form, status=400)
    refused = submitted(request)
    if refused is not None:  # shown again after a language switch
        form = InviteForm(refused, partner=partner)
        return _team_page(request, form, status=400 if form.errors else 200)
    return _team_page(request, InviteForm(partner=partner, initial={"language": request.user.language}))


@partner_admin_required
@require_http_methods(["GET", "POST"])
def member_page(request: PartnerRequest, pk: int) -> HttpResponse:
    partner = partner_of(request.user)
    member = get_object_or_404(User.objects.people(), pk=pk, partner=partner)
    current = {"role": member.role, "locations": member.locations.all(), "is_active": member.is_active}
    form = MemberForm(submitted(request), partner=partner, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            team.update_member(member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s is updated.") % {"name": member.get_username()})
            return redirect("profiles:team")
    status = 400 if form.is_bound else 200
    return render(request, "profiles/member.html", {"member": member, "form": form}, status=status)


@partner_admin_required
@require_POST
def withdraw_invitation(request: PartnerRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk, partner=partner_of(request.user))
    team.withdraw_invitation(invitation, by=request.user)
    messages.success(request, _("The invitation for %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("profiles:team")


@partner_admin_required
def changes_page(request: PartnerRequest) -> HttpResponse:
    changes = PartnerChange.objects.filter(partner=partner_of(request.user)).select_related("actor")[:200]
    return render(request, "profiles/changes.html", {"changes": changes})


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invited colleague chooses a username and a password, and is signed in."""
    RefusedFormRedirect.address_is_secret(request)  # the token is in the address
    invitation = Invitation.objects.by_token(token).select_related("partner").first()
    if invitation is None:
        raise Http404
    if request.user.is_authenticated:
        # Another account's session: accepting here would mix the two up.
        return render(request, "profiles/invitation_problem.html", {"signed_in_as": request.user}, status=409)
    problem = team.unusable_because(invitation, timezone.now())
    if problem:
        return render(request, "profiles/invitation_problem.html", {"problem": problem}, status=410)
    form = AcceptInvitationForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = team.accept(
                invitation,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except team.InvitationUnusable as unusable:
            return render(request, "profiles/invitation_problem.html", {"problem": str(unusable)}, status=410)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_errors(form, error)
            else:
                form.add_error("password1", error)  # what the password validators say
        else:
            login(request, user, backend="profiles.auth.PortalBackend")
            messages.success(request, _("Welcome to %(partner)s's referrals.") % {"partner": invitation.partner.name})
            return redirect("home")
    status = 400 if form.is_bound else 200
    return render(request, "profiles/invitation_accept.html", {"invitation": invitation, "form": form}, status=status)
