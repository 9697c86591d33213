"""Every URL the project defines, asked by everyone who might ask.

The URLs come from the resolver, so a new page cannot escape: a name missing from the tables
below fails the test until someone decides who may see it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_referral

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "partner_a", "partner_b", "staff")
LOGIN, OK, NOT_FOUND, REDIRECT, FORBIDDEN, NOT_ALLOWED = "login", 200, 404, 302, 403, 405


def everyone(status):
    return dict.fromkeys(ROLES, status)


def partner_only(own=OK):
    """A partner page about partner A's objects: only A's users, others get a 404 without details."""
    return {"anonymous": LOGIN, "partner_a": own, "partner_b": NOT_FOUND, "staff": NOT_FOUND}


def signed_in(status=OK):
    return {"anonymous": LOGIN, "partner_a": status, "partner_b": status, "staff": status}


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
    "referrals:list": {"anonymous": LOGIN, "partner_a": OK, "partner_b": OK, "staff": NOT_FOUND},  # each their own
    "referrals:export": {"anonymous": LOGIN, "partner_a": OK, "partner_b": OK, "staff": NOT_FOUND},  # their own
    "referrals:dashboard": {"anonymous": LOGIN, "partner_a": OK, "partner_b": OK, "staff": NOT_FOUND},
    "referrals:detail": partner_only(),
    "referrals:act": everyone(NOT_ALLOWED),  # POST only: see POSTS
    "partners:search": everyone(OK),
    "partners:profile": everyone(OK),  # an active profile is public
    "rfi_new": everyone(OK),
    "rfi_withdraw": everyone(OK),  # the confirmation page; the token is the key
    "insights": {"anonymous": LOGIN, "partner_a": OK, "partner_b": OK, "staff": NOT_FOUND},  # each their own
    "rfi_status": everyone(OK),  # the token is the key; a wrong token is a 404 (below)
}

# POST answers for the URLs that change something, per URL name. Partner A's action is done
# last, on a fresh referral each time, so every role meets the same state.
POSTS = {
    # name: {role: (answer, the referral's state afterwards)}
    "referrals:act": {
        "anonymous": (LOGIN, "new"),
        "partner_b": (NOT_FOUND, "new"),
        "staff": (NOT_FOUND, "new"),
        "partner_a": (REDIRECT, "evaluating"),
    },
    # Whoever holds the customer's private link may withdraw; without it, see the 404 test.
    "rfi_withdraw": dict.fromkeys(ROLES, (REDIRECT, "disconnected")),
    # An empty request is refused with the form's errors, for everyone alike.
    "rfi_new": dict.fromkeys(ROLES, (400, "new")),
}

# What the admin answers staff with, where it is not 200.
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
def world(client, partner, owner, outsider, operator):
    referral = make_referral(partner)
    Group.objects.create(name="Support")
    # One failed and one good sign-in, so that django-axes' admin pages have rows to show.
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    client.post(reverse("login"), {"username": "owner", "password": "pw-for-tests-1"})
    return {"referral": referral, "users": {"partner_a": owner, "partner_b": outsider, "staff": operator}}


def admin_object(name: str):
    _, view = name.split(":")
    app_label, model, _action = view.split("_", 2) if view.count("_") >= 2 else (None, None, None)
    try:
        model_class = apps.get_model(app_label, model)
    except (LookupError, TypeError):
        return None
    return model_class._default_manager.order_by("pk").first()


def build(name: str, params: list[str], world) -> str | None:
    referral = world["referral"]
    values = {
        "pk": referral.location.profile_id if name == "partners:profile" else referral.pk,
        "token": referral.rfi.status_token,
        "uidb64": "MQ",
        "token_reset": "set-password",
        "action": "mark_interested",
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
        if role != "staff":
            return "admin_login" if name != "admin:login" else OK
        return ADMIN_STAFF_EXCEPTIONS.get(name, OK)
    assert name in PAGES, f"{name} is a new URL: add it to the authorization matrix"
    return PAGES[name][role]


def test_every_url_answers_each_kind_of_user_as_intended(client, world):
    checked = 0
    for name, params in url_names():
        url = build(name, params, world)
        if url is None:
            continue
        for role in ROLES:
            client.logout()
            if role != "anonymous":
                client.force_login(world["users"][role])
            response = client.get(url)
            want = expected(name, role)
            where = f"{role} GET {url} ({name})"
            if want == LOGIN:
                assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), where
            elif want == "admin_login":
                assert response.status_code == 302, where
                # admin:logout sends a visitor who is not signed in to the admin's front door.
                assert response["Location"].startswith("/admin/" if name == "admin:logout" else "/admin/login/"), where
            else:
                assert response.status_code == want, f"{where}: {response.status_code}, expected {want}"
            checked += 1
    assert checked > 300  # every pattern, four times


def test_every_state_changing_url_answers_each_kind_of_user_as_intended(client, world, partner):
    posted = 0
    for name, params in url_names():
        if name not in POSTS:
            continue
        for role in ("anonymous", "partner_b", "staff", "partner_a"):
            world["referral"] = make_referral(partner)
            url = build(name, params, world)
            client.logout()
            if role != "anonymous":
                client.force_login(world["users"][role])
            response = client.post(url, {"expected_state": "new"})
            want, state_after = POSTS[name][role]
            where = f"{role} POST {url} ({name})"
            if want == LOGIN:
                assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), where
            else:
                assert response.status_code == want, f"{where}: {response.status_code}, expected {want}"
            world["referral"].refresh_from_db()
            assert world["referral"].state == state_after, where
            posted += 1
    assert posted == 4 * len(POSTS)


def test_a_wrong_status_token_is_a_404(client, world):
    assert client.get(reverse("rfi_status", args=["not-the-token"])).status_code == 404
