"""API keys: made by referral admins, shown once, stored as a digest, refused once revoked or
expired, limited in rate; and every other bad request is a clear 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from api import keys
from api.models import ApiKey
from profiles.models import PartnerChange, User
from tests.factories import api_key

pytestmark = pytest.mark.django_db


def every_stored_value() -> str:
    """Every value of every row, as text."""
    return "\n".join(str(row) for model in apps.get_models() for row in model._default_manager.values_list())


def test_an_admin_makes_a_key_sees_it_once_and_the_portal_keeps_only_its_digest(client, world, api):
    client.force_login(world.admin)
    response = client.post(
        reverse("api_keys:list"),
        {"name": "HubSpot", "role": "user", "locations": [world.location_a.pk], "expires_on": ""},
    )
    assert response.status_code == 201
    secret = response.context["created"]
    assert secret.startswith("rpk_") and len(secret) > 40
    assert secret in response.content.decode()
    assert secret not in every_stored_value()
    # The list shows its start, its scope, its author; never the key again.
    page = client.get(reverse("api_keys:list")).content.decode()
    key = ApiKey.objects.get(name="HubSpot")
    assert key.prefix in page and secret not in page and "Tokyo HQ" in page
    assert PartnerChange.objects.filter(partner=world.partner, subject="API key: HubSpot").exists()
    # It works, and says when and from where it was last used.
    assert api(secret).get("/api/v1/me/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_from == "127.0.0.1"
    assert "127.0.0.1" in client.get(reverse("api_keys:list")).content.decode()


def test_a_revoked_or_expired_key_is_refused_at_once(client, world, api):
    expiring = api_key(world.admin, name="Trial", expires_at=timezone.now() + timedelta(hours=1))
    assert api(expiring).get("/api/v1/me/").status_code == 200
    client.force_login(world.admin)
    key = ApiKey.objects.get(name="Dynamics sync")
    assert client.post(reverse("api_keys:revoke", args=[key.pk])).status_code == 302
    revoked = api(world.admin_key).get("/api/v1/referrals/")
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert revoked.json()["detail"] == "This API key is not valid, expired or revoked."
    ApiKey.objects.filter(name="Trial").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(expiring).get("/api/v1/me/").status_code == 401


def test_a_key_of_a_deactivated_company_is_refused(world, api):
    world.partner.is_active = False
    world.partner.save()
    assert api(world.admin_key).get("/api/v1/me/").status_code == 401


def test_no_key_or_a_malformed_header_is_a_401_in_the_clients_language(world, api):
    none = api().get("/api/v1/referrals/", HTTP_ACCEPT_LANGUAGE="ja")
    assert none.status_code == 401 and none.headers["Content-Type"] == "application/problem+json"
    assert none.json()["detail"] == "認証情報が含まれていません。"
    basic = api(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").get("/api/v1/referrals/")
    assert basic.status_code == 401
    assert "Bearer" in basic.json()["detail"]


def test_a_keys_identity_cannot_sign_in_or_join_the_team(client, world):
    identity = ApiKey.objects.get(name="Dynamics sync").client
    assert identity.is_api_client and not identity.has_usable_password()
    # Even with a password someone set on it in the admin, it never gets a session.
    identity.set_password("a-password-for-the-test-1")
    identity.save()
    refused = client.post(reverse("login"), {"username": identity.username, "password": "a-password-for-the-test-1"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    client.force_login(world.admin)
    team = client.get(reverse("profiles:team")).content.decode()
    assert identity.username not in team
    assert client.get(reverse("profiles:member", args=[identity.pk])).status_code == 404


def test_only_a_referral_admin_makes_keys_and_a_user_key_needs_a_location(world):
    from tests.factories import scoped_user

    colleague = scoped_user(world.partner, world.location_a)
    with pytest.raises(keys.ValidationError):
        keys.create(by=colleague, name="Mine", role="admin")
    with pytest.raises(keys.ValidationError):
        keys.create(by=world.admin, name="Nowhere", role=User.Role.USER, locations=[])
    with pytest.raises(keys.ValidationError):
        keys.create(by=world.admin, name="Theirs", role=User.Role.USER, locations=[world.location_a],
                    expires_at=timezone.now() - timedelta(days=1))  # fmt: skip


def test_a_key_over_its_rate_gets_429_with_retry_after(world, api, settings):
    settings.API_RATE_LIMIT = "3/min"
    client = api(world.admin_key)
    answers = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    throttled = client.get("/api/v1/me/")
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.headers["Content-Type"] == "application/problem+json"
    # Another key has its own allowance.
    assert api(world.key_a).get("/api/v1/me/").status_code == 200


def test_guessing_keys_is_slowed_down_per_client(world, api, settings):
    settings.API_WRONG_KEY_RATE_LIMIT = "2/min"
    answers = [api(f"rpk_guess_{number}").get("/api/v1/me/").status_code for number in range(3)]
    assert answers == [401, 401, 429]
    assert api(world.admin_key).get("/api/v1/me/").status_code == 200  # a valid key is not held up


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('["a list"]', "application/json", 400),
        ('{"note": 12}', "application/json", 400),
        ("note=hello", "application/x-www-form-urlencoded", 415),
        ('{"note": "' + "x" * 70_000 + '"}', "application/json", 413),
    ],
)
def test_bad_bodies_are_clear_4xx_and_change_nothing(world, api, body, content_type, status):
    client = api(world.admin_key)
    response = client.generic(
        "POST", f"/api/v1/referrals/{world.in_a.pk}/add_note/", body, content_type=content_type, HTTP_IF_MATCH="*"
    )
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]
    assert not world.in_a.events.filter(action="add_note").exists()


def test_an_unknown_address_or_method_is_a_problem_not_a_page(world, api):
    client = api(world.admin_key)
    missing = client.get("/api/v1/opportunities/")
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
    assert client.delete(f"/api/v1/referrals/{world.in_a.pk}/").status_code == 405
    assert client.get(f"/api/v1/referrals/{world.in_a.pk}/accept/").status_code == 405


def test_the_schema_and_the_docs_are_served_by_the_portal(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/referrals/{id}/accept/" in schema.content
    page = client.get("/api/v1/docs/")
    docs = page.content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "unpkg" not in docs.lower()
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # Swagger UI's own styles only are let in on this page
    assert policy["style-src"] == "'self' 'unsafe-inline'"
