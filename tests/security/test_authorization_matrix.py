"""Every URL the project defines, asked by everyone who might ask, by GET and by POST.

The URLs come from the resolver, so a new page cannot escape: a name missing from the tables
below fails the test until someone decides who may see it. The askers: a visitor; partner A's
referral admin (whose objects are asked about), a referral user of A's location A (where the
referral is) and one of A's location B; partner B's referral admin; operator staff with every
right (superuser), and operator staff who may only view (every ``view_`` permission). Every
URL that accepts POST is posted to, and every action of every admin list, with a check that
nothing changed in the database where the answer was a refusal."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import ApiKey
from profiles import team
from referrals.models import BlockedSender
from tests.factories import ContactFactory, LocationFactory, StaffUserFactory, api_key, make_referral, scoped_user
from webhooks import endpoints

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "partner_a", "user_a", "user_b", "partner_b", "staff", "viewer")
PARTNER_A = ("partner_a", "user_a", "user_b")
LOGIN, OK, NOT_FOUND, REDIRECT, FORBIDDEN, NOT_ALLOWED, BAD, CONFLICT = "login", 200, 404, 302, 403, 405, 400, 409
UNAUTHORIZED = 401
API_ACTIONS = ["mark_interested", "mark_not_interested", "accept", "decline", "mark_won", "mark_lost", "assign",
               "add_note", "update_estimate"]  # fmt: skip
API_ROUTES = ["api:me", "api:referrals", "api:referral", "api:timeline", "api:events",
              *[f"api:action-{action}" for action in API_ACTIONS]]  # fmt: skip


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status=OK):
    return dict.fromkeys(ROLES, status) | {"anonymous": LOGIN}


def about_location_a(status=OK):
    """A partner page about a referral at partner A's location A: A's admin and the user of
    location A; everyone else a 404 without details."""
    return dict.fromkeys(ROLES, NOT_FOUND) | {"anonymous": LOGIN, "partner_a": status, "user_a": status}


def partners_own(status=OK):
    """A partner page about the signed-in partner's own data: staff have the admin instead."""
    return dict.fromkeys(ROLES, status) | {"anonymous": LOGIN, "staff": NOT_FOUND, "viewer": NOT_FOUND}


def admins_own(status=OK):
    """The partner's own house (profiles, team): its referral admins only."""
    return dict.fromkeys(ROLES, NOT_FOUND) | {"anonymous": LOGIN, "partner_a": status, "partner_b": status}


def admin_of_a(status=OK):
    """Partner A's house, about one of its objects: A's referral admin only."""
    return dict.fromkeys(ROLES, NOT_FOUND) | {"anonymous": LOGIN, "partner_a": status}


# GET answers per URL name.
PAGES = {
    "home": everyone(REDIRECT),
    "login": everyone(OK),
    "logout": everyone(NOT_ALLOWED),  # POST only
    "password_change": signed_in(),
    "password_change_done": signed_in(),
    "password_reset": everyone(OK),
    "password_reset_done": everyone(OK),
    "password_reset_confirm": everyone(OK),  # an invalid link says so
    "password_reset_complete": everyone(OK),
    "set_language": everyone(REDIRECT),
    "referrals:list": partners_own(),  # each their own
    "referrals:export": partners_own(),
    "referrals:dashboard": partners_own(),
    "referrals:detail": about_location_a(),
    "referrals:act": everyone(NOT_ALLOWED),  # POST only: see POSTS
    "partners:search": everyone(OK),
    "partners:profile": everyone(OK),  # an active profile is public
    "partners:preview": admin_of_a(),
    "rfi_new": everyone(OK),
    "rfi_withdraw": everyone(OK),  # the confirmation page; the token is the key
    "insights": partners_own(),
    "rfi_status": everyone(OK),  # the token is the key; a wrong token is a 404 (below)
    "rfi_sent": everyone(OK),  # the thank-you page: names only what its signed link lists
    "rfi_another": everyone(OK),  # the one-click page; the token is the key
    "profiles:business": admins_own(),
    "profiles:profile": admin_of_a(),
    "profiles:new_location": admin_of_a(),
    "profiles:location": admin_of_a(),
    "profiles:team": admins_own(),
    "profiles:member": admin_of_a(),
    "profiles:withdraw_invitation": admins_own(NOT_ALLOWED),  # POST only
    "profiles:changes": admins_own(),
    # The invitation's link is the key; a signed-in account is told to sign out first.
    "profiles:accept_invitation": dict.fromkeys(ROLES, CONFLICT) | {"anonymous": OK},
    "api_keys:list": admins_own(),
    "api_keys:revoke": admins_own(NOT_ALLOWED),  # POST only
    "webhooks:list": admins_own(),
    "webhooks:endpoint": admin_of_a(),
    "webhooks:ping": admins_own(NOT_ALLOWED),
    "webhooks:new_secret": admins_own(NOT_ALLOWED),
    "webhooks:delete": admins_own(NOT_ALLOWED),
    "webhooks:send_again": admins_own(NOT_ALLOWED),
    # The API answers keys, not sessions (see the key matrix below); its description is public.
    "api:schema": everyone(OK),
    "api:docs": everyone(OK),
    "api:not_found": everyone(NOT_FOUND),
    **{name: everyone(UNAUTHORIZED) for name in API_ROUTES},
    # The local mail pages exist with DEBUG on only (not here): a developer's machine, no
    # sign-in. tests/test_local_mail.py asks them with DEBUG on, by these entries.
    "dev_mail:list": everyone(OK),
    "dev_mail:message": everyone(OK),
    "dev_mail:raw": everyone(OK),
}

# POST answers of the portal's own URLs that accept POST: {role: (answer, the referral's state
# afterwards, whether the database may change)}. Each role posts about a fresh referral at
# location A; partner A's admin comes last.
REFUSED_A = {role: (NOT_FOUND, "new", False) for role in ROLES} | {"anonymous": (LOGIN, "new", False)}
POSTS = {
    "referrals:act": REFUSED_A
    | {"partner_a": (REDIRECT, "evaluating", True), "user_a": (REDIRECT, "evaluating", True)},
    # Whoever holds the customer's private link may withdraw; without it, see the 404 test.
    "rfi_withdraw": dict.fromkeys(ROLES, (REDIRECT, "disconnected", True)),
    # An empty request is refused with the form's errors, for everyone alike.
    "rfi_new": dict.fromkeys(ROLES, (BAD, "new", False)),
    # To the partner that has the request already: refused, for everyone alike.
    "rfi_another": dict.fromkeys(ROLES, (BAD, "new", False)),
    "login": dict.fromkeys(ROLES, (OK, "new", False)),  # an empty form: its errors
    "logout": dict.fromkeys(ROLES, (REDIRECT, "new", False)),
    "password_change": signed_in((OK, "new", False)) | {"anonymous": (LOGIN, "new", False)},  # its errors
    "password_reset": dict.fromkeys(ROLES, (OK, "new", False)),  # an empty address: its error
    "password_reset_confirm": dict.fromkeys(ROLES, (OK, "new", False)),  # an invalid link says so
    "set_language": dict.fromkeys(ROLES, (REDIRECT, "new", False)),
    # The partner's house, posted empty: its admins get the forms' errors, others nothing.
    "profiles:business": REFUSED_A | {"partner_a": (BAD, "new", False), "partner_b": (BAD, "new", False)},
    "profiles:team": REFUSED_A | {"partner_a": (BAD, "new", False), "partner_b": (BAD, "new", False)},
    "profiles:profile": REFUSED_A | {"partner_a": (BAD, "new", False)},
    "profiles:new_location": REFUSED_A | {"partner_a": (BAD, "new", False)},
    "profiles:location": REFUSED_A | {"partner_a": (BAD, "new", False)},
    "profiles:member": REFUSED_A | {"partner_a": (BAD, "new", False)},
    "profiles:withdraw_invitation": REFUSED_A | {"partner_a": (REDIRECT, "new", True)},
    "profiles:accept_invitation": dict.fromkeys(ROLES, (CONFLICT, "new", False)) | {"anonymous": (BAD, "new", False)},
    # Keys and webhooks, posted empty or about A's objects: A's admin acts, B's admin gets the
    # forms' errors or a 404 for A's objects, everyone else nothing.
    "api_keys:list": REFUSED_A | {"partner_a": (BAD, "new", False), "partner_b": (BAD, "new", False)},
    "api_keys:revoke": REFUSED_A | {"partner_a": (REDIRECT, "new", True)},
    "webhooks:list": REFUSED_A | {"partner_a": (BAD, "new", False), "partner_b": (BAD, "new", False)},
    "webhooks:endpoint": REFUSED_A | {"partner_a": (BAD, "new", False)},
    "webhooks:ping": REFUSED_A | {"partner_a": (REDIRECT, "new", True)},
    "webhooks:new_secret": REFUSED_A | {"partner_a": (OK, "new", True)},
    "webhooks:delete": REFUSED_A | {"partner_a": (REDIRECT, "new", True)},
    "webhooks:send_again": REFUSED_A | {"partner_a": (REDIRECT, "new", True)},
    # The API takes no session: without a key, a 401 (its CSRF does not apply: no cookie counts).
    "api:referral": dict.fromkeys(ROLES, (UNAUTHORIZED, "new", False)),
    **{name: dict.fromkeys(ROLES, (UNAUTHORIZED, "new", False)) for name in API_ROUTES if "action-" in name},
}
# GET-only pages: a POST is refused or means nothing.
GET_ONLY = {
    "home", "password_change_done", "password_reset_done", "password_reset_complete", "referrals:list",
    "referrals:export", "referrals:dashboard", "referrals:detail", "partners:search", "partners:profile",
    "partners:preview", "insights", "rfi_status", "rfi_sent", "profiles:changes", "api:schema", "api:docs", "api:me",
    "api:referrals", "api:timeline", "api:events", "api:not_found", "dev_mail:list", "dev_mail:message", "dev_mail:raw",
}  # fmt: skip

# What the admin answers superusers with, where it is not 200.
ADMIN_STAFF_EXCEPTIONS = {
    "admin:login": REDIRECT,  # already signed in
    "admin:outbox_outboundemail_delete": FORBIDDEN,
    "admin:outbox_outboundemail_add": FORBIDDEN,
    # Failure logs are off (AXES_ENABLE_ACCESS_FAILURE_LOG): the admin says there is no such row.
    "admin:axes_accessfailurelog_change": REDIRECT,
    "admin:axes_accessfailurelog_delete": REDIRECT,
    "admin:axes_accessfailurelog_history": REDIRECT,
    "admin:autocomplete": FORBIDDEN,
    "admin:logout": NOT_ALLOWED,
    "admin:view_on_site": NOT_FOUND,
    "admin:referrals_referral_add": FORBIDDEN,
    "admin:referrals_referral_delete": FORBIDDEN,
    "admin:referrals_rfi_delete": FORBIDDEN,
    "admin:referrals_customer_delete": FORBIDDEN,
    "admin:axes_accessattempt_add": FORBIDDEN,
    "admin:axes_accesslog_add": FORBIDDEN,
    "admin:axes_accessfailurelog_add": FORBIDDEN,
    "admin:axes_accesslog_change": OK,
    # Records: read, never added or deleted.
    "admin:profiles_partnerchange_add": FORBIDDEN,
    "admin:profiles_partnerchange_delete": FORBIDDEN,
    "admin:profiles_invitation_add": FORBIDDEN,
    "admin:profiles_invitation_delete": FORBIDDEN,
    "admin:api_apikey_add": FORBIDDEN,
    "admin:api_apikey_delete": FORBIDDEN,
    "admin:webhooks_endpoint_add": FORBIDDEN,
    "admin:webhooks_endpoint_delete": FORBIDDEN,
    "admin:webhooks_delivery_add": FORBIDDEN,
    "admin:webhooks_delivery_delete": FORBIDDEN,
}
# What the admin answers staff who may only view with, where it is not the rule (lists, pages
# and histories 200; adding and deleting 403).
ADMIN_VIEWER_EXCEPTIONS = {
    "admin:login": REDIRECT,
    "admin:logout": NOT_ALLOWED,
    "admin:autocomplete": FORBIDDEN,
    "admin:view_on_site": NOT_FOUND,
    "admin:auth_user_password_change": FORBIDDEN,  # another user's password
    "admin:referrals_referral_act": FORBIDDEN,  # a partner action needs the change permission
    "admin:axes_accessfailurelog_change": REDIRECT,
    "admin:axes_accessfailurelog_history": REDIRECT,
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from url_names(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), list(pattern.pattern.regex.groupindex)


@pytest.fixture
def viewer(db):
    """Operator staff who may only view, everywhere."""
    user = StaffUserFactory(username="viewer", is_superuser=False)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.fixture
def world(client, partner, owner, outsider, operator, viewer):
    location_a = LocationFactory(profile__partner=partner, name="Location A")
    location_b = LocationFactory(profile=location_a.profile, name="Location B")
    for location in (location_a, location_b):
        ContactFactory(location=location)
    referral = make_referral(partner, location=location_a)
    invitation = team.invite(by=owner, email="new.colleague@partner.example", role="admin", locations=[], language="en")
    Group.objects.create(name="Support")
    BlockedSender.objects.create(address="spam.example", reason="Spam flagged by a partner")
    # One failed and one good sign-in, so that django-axes' admin pages have rows to show.
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    client.post(reverse("login"), {"username": "owner", "password": "pw-for-tests-1"})
    users = {
        "partner_a": owner,
        "user_a": scoped_user(partner, location_a, username="user-a"),
        "user_b": scoped_user(partner, location_b, username="user-b"),
        "partner_b": outsider,
        "staff": operator,
        "viewer": viewer,
    }
    world = {"referral": referral, "location_a": location_a, "invitation": invitation, "users": users}
    return world | keys_and_hooks(owner)


def keys_and_hooks(owner) -> dict:
    """An API key and a webhook endpoint of partner A, with one delivery in its log."""
    api_key(owner, name="Dynamics sync")
    endpoint, _secret = endpoints.create(by=owner, url="http://127.0.0.1:9/hooks", events=["referral.created"])
    return {
        "api_key": ApiKey.objects.filter(partner=owner.partner).latest("pk"),
        "endpoint": endpoint,
        "delivery": endpoints.ping(endpoint, by=owner),
    }


def admin_model(name: str):
    _, view = name.split(":")
    if view.count("_") < 2:
        return None
    app_label, model, _action = view.split("_", 2)
    try:
        model_class = apps.get_model(app_label, model)
    except LookupError:
        return None
    return None if model_class._meta.swapped else model_class


def admin_object(name: str):
    model_class = admin_model(name)
    return model_class._default_manager.order_by("pk").first() if model_class else None


def build(name: str, params: list[str], world) -> str | None:
    referral = world["referral"]
    values = {
        "pk": {
            "partners:profile": referral.location.profile_id,
            "partners:preview": referral.location.profile_id,
            "profiles:profile": referral.location.profile_id,
            "profiles:new_location": referral.location.profile_id,
            "profiles:location": referral.location_id,
            "profiles:member": world["users"]["partner_a"].pk,
            "profiles:withdraw_invitation": world["invitation"].pk,
            "api_keys:revoke": world["api_key"].pk,
            **{
                page: world["endpoint"].pk
                for page in (
                    "webhooks:endpoint",
                    "webhooks:ping",
                    "webhooks:new_secret",
                    "webhooks:delete",
                    "webhooks:send_again",
                )
            },
        }.get(name, referral.pk),
        "delivery": world["delivery"].pk,
        "token": world["invitation"].token if name == "profiles:accept_invitation" else referral.rfi.status_token,
        "uidb64": "MQ",
        "token_reset": "set-password",
        "action": "mark_interested",
        "location": referral.location_id,
    }
    kwargs = {}
    for param in params:
        if param == "object_id":
            target = admin_object(name)
            kwargs[param] = target.pk if target else 999999
        elif param == "id":  # the admin's set-password page of a user
            kwargs[param] = world["users"]["partner_a"].pk
        elif param == "content_type_id":
            return None  # view_on_site: admin's redirect helper, covered by its own name
        elif param == "app_label":
            kwargs[param] = "referrals"
        elif param == "url":
            return None  # the admin's catch-all
        elif name == "password_reset_confirm" and param == "token":
            kwargs[param] = values["token_reset"]
        else:
            kwargs[param] = values[param]
    return reverse(name, kwargs=kwargs)


def expected(name: str, role: str):
    if name.startswith("admin:"):
        if role == "staff":
            return ADMIN_STAFF_EXCEPTIONS.get(name, OK)
        if role == "viewer":
            if name in ADMIN_VIEWER_EXCEPTIONS:
                return ADMIN_VIEWER_EXCEPTIONS[name]
            return FORBIDDEN if name.endswith(("_add", "_delete")) else OK
        return "admin_login" if name != "admin:login" else OK
    assert name in PAGES, f"{name} is a new URL: add it to the authorization matrix"
    return PAGES[name][role]


def sign_in_as(client, world, role: str) -> None:
    client.logout()
    if role != "anonymous":
        client.force_login(world["users"][role])


def check_answer(response, want, where: str, name: str) -> None:
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), where
    elif want == "admin_login":
        assert response.status_code == 302, where
        # admin:logout sends a visitor who is not signed in to the admin's front door.
        assert response["Location"].startswith("/admin/" if name == "admin:logout" else "/admin/login/"), where
    else:
        assert response.status_code == want, f"{where}: {response.status_code}, expected {want}"


def database() -> dict[str, list]:
    """Every row the portal keeps, but sign-in bookkeeping (sessions, django-axes' logs)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "axes") and not model._meta.swapped
    }


def test_every_url_answers_each_kind_of_user_as_intended(client, world):
    checked = 0
    for name, params in url_names():
        url = build(name, params, world)
        if url is None:
            continue
        for role in ROLES:
            sign_in_as(client, world, role)
            check_answer(client.get(url), expected(name, role), f"{role} GET {url} ({name})", name)
            checked += 1
    assert checked > 650  # every pattern, seven times


def test_every_portal_url_that_accepts_post_answers_each_kind_of_user_as_intended(client, world, partner):
    posted = set()
    for name, params in url_names():
        if name.startswith("admin:") or name in GET_ONLY:
            continue
        assert name in POSTS, f"{name} accepts POST: add it to the authorization matrix's POSTS"
        for number, role in enumerate(("anonymous", "partner_b", "staff", "viewer", "user_b", "user_a", "partner_a")):
            world["referral"] = make_referral(partner, location=world["location_a"])
            world |= keys_and_hooks(world["users"]["partner_a"])
            world["invitation"] = team.invite(
                by=world["users"]["partner_a"],
                email=f"{number}{name}@partner.example",
                role="admin",
                locations=[],
                language="en",
            )
            url = build(name, params, world)
            sign_in_as(client, world, role)
            before = database()
            response = client.post(url, {"expected_state": "new"})
            want, state_after, may_change = POSTS[name][role]
            where = f"{role} POST {url} ({name})"
            check_answer(response, want, where, name)
            world["referral"].refresh_from_db()
            assert world["referral"].state == state_after, where
            if not may_change:
                after = database()
                after.pop("profiles.User")  # last_login of a sign-in the test makes
                before.pop("profiles.User")
                if name == "password_reset":
                    after.pop("outbox.OutboundEmail")  # a refused address is a cancelled email, see its tests
                    before.pop("outbox.OutboundEmail")
                assert after == before, where
        posted.add(name)
    assert posted == set(POSTS)


def admin_posts():
    """Every admin URL that accepts POST, with what to post, and each list's every action."""
    superuser = RequestFactory().get("/admin/")
    superuser.user = StaffUserFactory.build(is_superuser=True, is_staff=True, is_active=True)
    for name, params in url_names():
        if not name.startswith("admin:") or name.endswith(("_history",)) or name in (
            "admin:index", "admin:app_list", "admin:jsi18n", "admin:autocomplete", "admin:view_on_site",
            "admin:password_change_done", "admin:login", "admin:logout", "admin:referrals_referral_report",
        ):  # fmt: skip
            continue
        if name.endswith("_changelist"):
            model = admin_model(name)
            model_admin = admin.site._registry[model]
            for action in model_admin.get_actions(superuser):
                yield name, params, action
        else:
            yield name, params, None


def test_every_admin_url_that_accepts_post_refuses_who_may_not_change(client, world):
    """Visitors and partner users are sent to the admin's sign-in; staff who may only view are
    refused every change (403), and no list action runs for them; nothing changes."""
    posted = 0
    for name, params, action in admin_posts():
        url = build(name, params, world)
        target = admin_object(name)
        data = {"post": "yes"}
        if action:
            data |= {"action": action, "_selected_action": [target.pk] if target else [], "index": "0"}
        for role in ("anonymous", "partner_a", "user_a", "user_b", "partner_b", "viewer"):
            sign_in_as(client, world, role)
            before = database()
            response = client.post(url, data)
            where = f"{role} POST {url} {action or ''} ({name})"
            if role == "viewer":
                if name == "admin:password_change":  # their own password: the empty form's errors
                    assert response.status_code == OK, f"{where}: {response.status_code}"
                elif action is None:
                    assert response.status_code == FORBIDDEN, f"{where}: {response.status_code}"
                else:
                    assert response.status_code in (OK, REDIRECT, FORBIDDEN), f"{where}: {response.status_code}"
            else:
                check_answer(response, "admin_login", where, name)
            after = database()
            after.pop("profiles.User"), before.pop("profiles.User")  # last_login of the test's sign-in
            assert after == before, where
            posted += 1
    assert posted >= 318  # 53 URLs and list actions, six askers each, on 2026-11-27


def test_a_wrong_status_token_is_a_404(client, world):
    assert client.get(reverse("rfi_status", args=["not-the-token"])).status_code == 404


# --- The API, asked with keys -------------------------------------------------------------------
KEYS = ("none", "admin_a", "user_a", "user_b", "partner_b", "revoked", "expired")
SEES_A = ("admin_a", "user_a")  # the keys that see the referral at location A
REFUSED_KEY = {"none": UNAUTHORIZED, "revoked": UNAUTHORIZED, "expired": UNAUTHORIZED}


def any_key(status):
    return dict.fromkeys(KEYS, status) | REFUSED_KEY


def about_a(status):
    return dict.fromkeys(KEYS, NOT_FOUND) | REFUSED_KEY | dict.fromkeys(SEES_A, status)


API_GETS = {
    "api:schema": dict.fromkeys(KEYS, OK),
    "api:docs": dict.fromkeys(KEYS, OK),
    "api:not_found": dict.fromkeys(KEYS, NOT_FOUND),
    "api:me": any_key(OK),
    "api:referrals": any_key(OK),
    "api:events": any_key(OK),
    "api:referral": about_a(OK),
    "api:timeline": about_a(OK),
    **{f"api:action-{action}": any_key(NOT_ALLOWED) for action in API_ACTIONS},
}
# An action posted with an empty body and If-Match: *, to a fresh referral at location A: (what
# the keys that see it get, the state after). Those that do not see it get a 404, bad keys a 401.
API_POSTS = {
    "mark_interested": (OK, "evaluating"),
    "mark_not_interested": (BAD, "new"),  # its reason is missing
    "accept": (BAD, "new"),  # its estimate is missing
    "decline": (BAD, "new"),  # its reason is missing
    "mark_won": (BAD, "new"),
    "mark_lost": (BAD, "new"),
    "assign": (OK, "new"),  # to nobody
    "add_note": (BAD, "new"),  # an empty note
    "update_estimate": (BAD, "new"),  # its estimate is missing
}


@pytest.fixture
def keys(world, partner, outsider):
    from datetime import timedelta

    from django.utils import timezone

    from api import keys as api_keys

    owner = world["users"]["partner_a"]
    location_b = LocationFactory(profile=world["location_a"].profile, name="Location B2")
    revoked = api_key(owner, name="Old")
    api_keys.revoke(ApiKey.objects.get(name="Old"), by=owner)
    expired = api_key(owner, name="Trial", expires_at=timezone.now() + timedelta(minutes=1))
    ApiKey.objects.filter(name="Trial").update(expires_at=timezone.now() - timedelta(minutes=1))
    return {
        "none": None,
        "admin_a": api_key(owner),
        "user_a": api_key(owner, role="user", locations=[world["location_a"]]),
        "user_b": api_key(owner, role="user", locations=[location_b]),
        "partner_b": api_key(outsider),
        "revoked": revoked,
        "expired": expired,
    }


def api_client(key):
    from rest_framework.test import APIClient

    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_every_api_route_answers_each_key_as_intended(world, keys):
    checked = 0
    for name, params in url_names():
        if not name.startswith("api:"):
            continue
        assert name in API_GETS, f"{name} is a new API route: add it to the key matrix"
        url = build(name, params, world)
        for role, key in keys.items():
            response = api_client(key).get(url)
            want = API_GETS[name][role]
            assert response.status_code == want, f"key {role} GET {url}: {response.status_code}, expected {want}"
            if want != OK:
                assert response["Content-Type"] == "application/problem+json", f"key {role} GET {url}"
            checked += 1
    assert checked == len(API_GETS) * len(KEYS)


def test_every_api_change_answers_each_key_as_intended_and_refusals_change_nothing(world, keys, partner):
    for action, (seen, state_after) in API_POSTS.items():
        for role in ("none", "revoked", "expired", "partner_b", "user_b", "user_a", "admin_a"):
            referral = make_referral(partner, location=world["location_a"])
            url = reverse(f"api:action-{action}", args=[referral.pk])
            before = database()
            response = api_client(keys[role]).post(url, {}, format="json", HTTP_IF_MATCH="*")
            want = seen if role in SEES_A else REFUSED_KEY.get(role, NOT_FOUND)
            where = f"key {role} POST {url}"
            assert response.status_code == want, f"{where}: {response.status_code}, expected {want}"
            referral.refresh_from_db()
            assert referral.state == (state_after if role in SEES_A else "new"), where
            if want != OK:
                after = database()
                for changing in ("api.ApiKey",):  # a key's "last used"
                    after.pop(changing), before.pop(changing)
                assert after == before, where
    # The CRM reference, by PATCH: the keys that see the referral set it, nobody else.
    for role in ("none", "revoked", "expired", "partner_b", "user_b", "admin_a"):
        referral = make_referral(partner, location=world["location_a"])
        response = api_client(keys[role]).patch(
            reverse("api:referral", args=[referral.pk]), {"external_reference_id": f"CRM-{role}"}, format="json",
            HTTP_IF_MATCH="*",
        )  # fmt: skip
        want = OK if role in SEES_A else REFUSED_KEY.get(role, NOT_FOUND)
        assert response.status_code == want, f"key {role} PATCH: {response.status_code}"
        referral.refresh_from_db()
        assert referral.external_reference_id == (f"CRM-{role}" if role in SEES_A else "")
