"""The Referrals API as a partner's CRM uses it: list, read, act with If-Match, set its own id."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals import lifecycle
from referrals.models import Referral, ReferralEvent, State
from tests.factories import make_referral
from tests.plans import referrals_read

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def act(client, referral_id: int, action: str, body: dict | None = None, **headers):
    """``action`` on the referral as the client last read it (its ETag), unless headers say otherwise."""
    if "HTTP_IF_MATCH" not in headers:
        headers["HTTP_IF_MATCH"] = client.get(f"/api/v1/referrals/{referral_id}/").headers["ETag"]
    return client.post(f"/api/v1/referrals/{referral_id}/{action}/", body or {}, format="json", **headers)


def test_each_key_lists_exactly_the_referrals_its_scope_sees(world, api):
    assert ids(api(world.admin_key).get("/api/v1/referrals/")) == [world.in_a.pk, world.in_b.pk]
    assert ids(api(world.key_a).get("/api/v1/referrals/")) == [world.in_a.pk]
    assert ids(api(world.other_key).get("/api/v1/referrals/")) == []


def test_another_locations_or_partners_referral_does_not_exist_for_the_key(world, api):
    for key, referral in ((world.key_a, world.in_b), (world.other_key, world.in_a)):
        client = api(key)
        for response in (
            client.get(f"/api/v1/referrals/{referral.pk}/"),
            client.get(f"/api/v1/referrals/{referral.pk}/timeline/"),
            act(client, referral.pk, "mark_interested", HTTP_IF_MATCH="*"),
            client.patch(
                f"/api/v1/referrals/{referral.pk}/", {"external_reference_id": "X"}, format="json", HTTP_IF_MATCH="*"
            ),
        ):
            assert response.status_code == 404
            assert response.headers["Content-Type"] == "application/problem+json"
    referral = Referral.objects.get(pk=world.in_a.pk)
    assert referral.state == State.NEW and referral.external_reference_id == ""


def test_the_customers_contact_details_appear_once_the_partner_said_interested(world, api):
    client = api(world.admin_key)
    before = client.get(f"/api/v1/referrals/{world.in_a.pk}/").json()
    assert before["customer"] is None
    assert before["request"]["need"] == "Move our ERP to the cloud."
    assert "customer0" not in str(before) and "Yamada" not in str(before)
    after = act(client, world.in_a.pk, "mark_interested").json()
    assert after["state"] == "evaluating" and (after["status"], after["substatus"]) == ("New", "Received")
    assert after["customer"]["email"] == world.in_a.rfi.customer.email


def test_an_action_needs_the_current_etag_and_a_moved_state_is_a_conflict(world, api):
    client = api(world.admin_key)
    url = f"/api/v1/referrals/{world.in_a.pk}/mark_interested/"
    read = client.get(f"/api/v1/referrals/{world.in_a.pk}/")
    assert read.headers["ETag"] == read.json()["etag"]

    missing = client.post(url, {}, format="json")
    assert missing.status_code == 428

    # A colleague answers on the page meanwhile: the CRM's copy is stale.
    lifecycle.mark_interested(world.in_a, by=world.admin)
    stale = client.post(url, {}, format="json", HTTP_IF_MATCH=read.headers["ETag"])
    assert stale.status_code == 412
    fresh = client.get(f"/api/v1/referrals/{world.in_a.pk}/").headers["ETag"]
    assert stale.json()["etag"] == fresh

    # With the fresh ETag, Interested is simply no longer possible: the problem names the state.
    conflict = client.post(url, {}, format="json", HTTP_IF_MATCH=fresh)
    assert conflict.status_code == 409
    assert conflict.json()["state"] == "evaluating"
    assert "Evaluating" in conflict.json()["detail"]
    assert ReferralEvent.objects.filter(referral=world.in_a, action="mark_interested").count() == 1


def test_a_change_in_between_check_and_lock_is_refused_by_the_lifecycle(world, api, monkeypatch):
    """The ETag matched, but the referral moves before the action locks it: a 409, nothing done twice."""
    from api import views

    client = api(world.admin_key)
    check = views.check_if_match

    def then_a_colleague_clicks(request, referral):
        check(request, referral)
        lifecycle.mark_not_interested(Referral.objects.get(pk=referral.pk), reason="not_a_fit", by=world.admin)

    monkeypatch.setattr(views, "check_if_match", then_a_colleague_clicks)
    response = act(client, world.in_a.pk, "mark_interested")
    assert response.status_code == 409 and response.json()["state"] == "skipped"
    assert Referral.objects.get(pk=world.in_a.pk).state == State.SKIPPED


def test_actions_take_the_forms_checks_and_messages_in_the_clients_language(world, api):
    client = api(world.admin_key)
    act(client, world.in_a.pk, "mark_interested")
    response = act(client, world.in_a.pk, "accept", {"deal_value": -5, "currency": "", "close_date": "2020-01-01"},
                   HTTP_ACCEPT_LANGUAGE="ja")  # fmt: skip
    assert response.status_code == 400
    problem = response.json()
    assert problem["errors"]["deal_value"] == ["0より大きい金額を入力してください。"]
    assert problem["errors"]["close_date"] == ["予定終了日に過去の日付は指定できません。"]
    assert "currency" in problem["errors"]
    # JSON's types are checked before: an amount is a number, not a string.
    wrong_type = act(client, world.in_a.pk, "accept", {"deal_value": "5000000", "currency": "JPY"})
    assert wrong_type.status_code == 400 and "deal_value" in wrong_type.json()["errors"]
    assert Referral.objects.get(pk=world.in_a.pk).state == State.EVALUATING

    accepted = act(
        client, world.in_a.pk, "accept",
        {"deal_value": 5200000, "currency": "JPY", "close_date": str(timezone.localdate() + timedelta(days=60))},
    )  # fmt: skip
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["state"] == "negotiating" and body["deal"]["value"] == 5200000 and body["deal"]["currency"] == "JPY"
    assert accepted.headers["ETag"] == body["etag"]
    won = act(client, world.in_a.pk, "mark_won", {"final_value": 5000000.5, "currency": "JPY"})
    assert won.json()["state"] == "won" and won.json()["deal"]["final_value"] == 5000000.5


def test_every_step_through_the_api_is_on_the_timeline_under_the_keys_name(world, api):
    client = api(world.key_a)
    act(client, world.in_a.pk, "mark_interested")
    act(client, world.in_a.pk, "add_note", {"note": "Called the customer."})
    act(client, world.in_a.pk, "decline", {"reason": "no_capacity", "note": "Booked until March."})
    timeline = client.get(f"/api/v1/referrals/{world.in_a.pk}/timeline/").json()["results"]
    assert [entry["action"] for entry in timeline] == ["received", "mark_interested", "add_note", "decline"]
    assert {entry["actor"]["name"] for entry in timeline[1:]} == {"Tokyo desk"}
    assert timeline[2]["note"] == "Called the customer."
    assert timeline[3]["to_state"] == "declined" and timeline[3]["note"] == "Booked until March."


def test_assigning_through_the_api_names_a_colleague_who_sees_the_referral(world, api):
    from tests.factories import scoped_user

    tokyo_user = scoped_user(world.partner, world.location_a, username="kenji")
    osaka_user = scoped_user(world.partner, world.location_b, username="mai")
    client = api(world.admin_key)
    refused = act(client, world.in_a.pk, "assign", {"owner": osaka_user.pk})
    assert refused.status_code == 400 and "owner" in refused.json()["errors"]
    key_identity = Referral.objects.get(pk=world.in_a.pk)  # nobody yet
    assert key_identity.owner is None
    assigned = act(client, world.in_a.pk, "assign", {"owner": tokyo_user.pk, "note": "Yours."})
    assert assigned.json()["owner"]["username"] == "kenji"
    assert ids(client.get(f"/api/v1/referrals/?owner={tokyo_user.pk}")) == [world.in_a.pk]
    assert ids(client.get("/api/v1/referrals/?owner=none")) == [world.in_b.pk]
    # A key's own identity is never an owner.
    from api.models import ApiKey

    identity = ApiKey.objects.get(name="Tokyo desk").client
    assert act(client, world.in_a.pk, "assign", {"owner": identity.pk}).status_code == 400


def test_the_crm_reference_is_set_with_if_match_and_unique_among_the_partners_referrals(world, api):
    client = api(world.admin_key)
    read = client.get(f"/api/v1/referrals/{world.in_a.pk}/")
    no_tag = client.patch(f"/api/v1/referrals/{world.in_a.pk}/", {"external_reference_id": "OPP-1"}, format="json")
    assert no_tag.status_code == 428
    done = client.patch(f"/api/v1/referrals/{world.in_a.pk}/", {"external_reference_id": "OPP-1"}, format="json",
                        HTTP_IF_MATCH=read.headers["ETag"])  # fmt: skip
    assert done.status_code == 200 and done.json()["external_reference_id"] == "OPP-1"
    assert done.headers["ETag"] != read.headers["ETag"]
    again = client.patch(f"/api/v1/referrals/{world.in_a.pk}/", {"external_reference_id": "OPP-2"}, format="json",
                         HTTP_IF_MATCH=read.headers["ETag"])  # fmt: skip
    assert again.status_code == 412
    taken = client.patch(f"/api/v1/referrals/{world.in_b.pk}/", {"external_reference_id": "OPP-1"}, format="json",
                         HTTP_IF_MATCH="*")  # fmt: skip
    assert taken.status_code == 400
    message = f"Referral #{world.in_a.pk} already has this CRM reference."
    assert taken.json()["errors"]["external_reference_id"] == [message]
    # Another partner may use the same id for its own referral.
    theirs = make_referral(world.other_partner)
    assert api(world.other_key).patch(f"/api/v1/referrals/{theirs.pk}/", {"external_reference_id": "OPP-1"},
                                      format="json", HTTP_IF_MATCH="*").status_code == 200  # fmt: skip


def test_filters_and_pages_stay_stable_while_referrals_change(world, api):
    client = api(world.admin_key)
    more = [make_referral(location=world.location_a) for _ in range(3)]
    everything = [world.in_a.pk, world.in_b.pk, *[referral.pk for referral in more]]
    first = client.get("/api/v1/referrals/?limit=2").json()
    assert [row["id"] for row in first["results"]] == everything[:2]
    # While the CRM pages, the first referral changes: it moves to the end, nothing is skipped.
    lifecycle.mark_interested(world.in_a, by=world.admin)
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"] + third["results"]]
    assert seen == [*everything[:2], *everything[2:], world.in_a.pk]
    assert third["next"] is None

    assert ids(client.get("/api/v1/referrals/?state=evaluating")) == [world.in_a.pk]
    assert set(ids(client.get("/api/v1/referrals/?state=new&state=evaluating"))) == set(everything)
    assert ids(client.get(f"/api/v1/referrals/?location={world.location_b.pk}")) == [world.in_b.pk]
    since = Referral.objects.get(pk=world.in_a.pk).updated_at.isoformat()
    assert ids(client.get("/api/v1/referrals/", {"updated_since": since})) == [world.in_a.pk]


@pytest.mark.postgres
def test_a_crm_paging_through_every_referral_reads_each_page_once(world, api):
    """A full sync pages to the end: each page starts at its cursor in the sync index (before:
    the third page read the 40 referrals of the first two again, and a full sync of n referrals
    read about n²/2)."""
    if connection.vendor != "postgresql":
        pytest.fail("This test reads PostgreSQL's query plans: run it with ./dev test.")
    for _ in range(60):
        make_referral(location=world.location_a)
    client, url = api(world.admin_key), "/api/v1/referrals/?limit=20"
    for _page in (1, 2):
        url = client.get(url).json()["next"]
    with CaptureQueriesContext(connection) as captured:
        third = client.get(url).json()
    assert len(third["results"]) == 20 and third["next"]  # 62 referrals: 2 more after it
    [sql] = [query["sql"] for query in captured.captured_queries if re.search(r"LIMIT 21$", query["sql"])]
    assert referrals_read(sql) <= 22  # the page, the one that says more follow, the cursor's own row


@pytest.mark.parametrize(
    "query",
    [
        "state=open",
        "location=abc",
        "location=1.0",
        "location=99999999999999999999",
        "owner=someone",
        "owner=",
        "updated_since=yesterday",
        "updated_since=2026-11-27",
        "limit=0",
        "limit=101",
        "cursor=forged",
        "cursor=",
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(world, api, query):
    response = api(world.admin_key).get(f"/api/v1/referrals/?{query}", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert query.split("=")[0] in response.json()["errors"]
    assert response.json()["title"] == "リクエストが正しくありません"


def test_the_events_feed_follows_every_step_in_order_and_waits_for_late_commits(world, api, settings):
    client = api(world.key_a)
    feed = client.get("/api/v1/events/").json()
    assert [(row["referral"], row["action"]) for row in feed["results"]] == [(world.in_a.pk, "received")]
    lifecycle.mark_interested(world.in_a, by=world.admin)
    lifecycle.mark_interested(world.in_b, by=world.admin)  # another location: not this key's
    last = feed["results"][-1]["id"]
    newer = client.get("/api/v1/events/", {"after": last}).json()["results"]
    assert [(row["referral"], row["action"]) for row in newer] == [(world.in_a.pk, "mark_interested")]
    # An entry is shown once it has settled, so one whose transaction commits late is not skipped.
    settings.API_EVENTS_SETTLE_SECONDS = 60
    assert client.get("/api/v1/events/", {"after": last}).json()["results"] == []


def test_the_key_says_who_it_is(world, api):
    me = api(world.key_a).get("/api/v1/me/").json()
    assert me["name"] == "Tokyo desk" and me["role"] == "user" and me["partner"] == world.partner.name
    assert [location["name"] for location in me["locations"]] == ["Tokyo HQ"]
    assert me["prefix"].startswith("rpk_") and me["prefix"] in world.key_a


def test_list_queries_do_not_grow_with_referrals(world, api, django_assert_max_num_queries):
    client = api(world.admin_key)
    client.get("/api/v1/referrals/")
    for _ in range(10):
        make_referral(location=world.location_a)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/referrals/")
    assert len(response.json()["results"]) == 12


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/referrals/", name) for name in ("state", "location", "owner", "updated_since", "cursor", "limit")]
    + [("/api/v1/events/", "after"), ("/api/v1/events/", "limit")],
)
def test_hostile_values_in_every_query_parameter_are_a_clear_4xx(world, api, path, parameter):
    from tests.security.test_hostile_parameters import HOSTILE

    client = api(world.admin_key)
    client.raise_request_exception = False
    for value in HOSTILE:
        response = client.get(path, {parameter: value})
        assert response.status_code in (200, 400), f"{parameter}={value[:20]!r}: {response.status_code}"
        if response.status_code == 400:
            assert response.headers["Content-Type"] == "application/problem+json"
