"""The operators' admin reads like the portal: a request's page is read, not saved; a referral's
actions carry the labels partners see, one action's form at a time; its history says what
happened in the partners' words, never in codes; a request's referrals are links."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from referrals import lifecycle, registry
from referrals.models import RFI, BlockedSender, State
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

SAVE_BUTTONS = {"_save", "_continue", "_addanother"}


class Page(HTMLParser):
    """What a staff user sees on an admin page: its buttons and fields, its links, its labels,
    and the rows of its tables, each under the id of the element around it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.fields: set[str] = set()  # names of the visible form fields
        self.buttons: set[str] = set()  # names of the submit buttons
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.labels: dict[str, str] = {}  # for → text
        self.rows: dict[str, list[str]] = {}  # an element's id → the text of each table row in it
        self._ids: list[str | None] = []
        self._open: list[str] = []
        self._link: tuple[str, list[str]] | None = None
        self._label: tuple[str, list[str]] | None = None
        self._row: tuple[str, list[str]] | None = None
        self.feed(html)

    VOID = {"input", "br", "img", "link", "meta", "hr", "col", "source", "wbr"}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in self.VOID:
            self._open.append(tag)
            self._ids.append(attributes.get("id"))
        name = attributes.get("name")
        if tag == "input" and attributes.get("type") == "submit":
            if name:
                self.buttons.add(name)
        elif tag in ("input", "select", "textarea") and name and attributes.get("type") != "hidden":
            self.fields.add(name)
        elif tag == "a" and attributes.get("href"):
            self._link = (attributes["href"] or "", [])
        elif tag == "label":
            self._label = (attributes.get("for") or "", [])
        elif tag == "tr":
            around = next((id_ for id_ in reversed(self._ids) if id_ and id_.endswith("-group")), None)
            if around:
                self._row = (around, [])

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                self._ids.pop()
            self._ids.pop()
        if tag == "a" and self._link:
            self.links.append((self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None
        elif tag == "label" and self._label:
            self.labels[self._label[0]] = " ".join("".join(self._label[1]).split())
            self._label = None
        elif tag == "tr" and self._row:
            self.rows.setdefault(self._row[0], []).append(" ".join(" ".join(self._row[1]).split()))
            self._row = None

    def handle_data(self, data):
        for open_ in (self._link, self._label, self._row):
            if open_:
                open_[1].append(data)


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


def page(client, url: str, **headers) -> Page:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return Page(response.content.decode())


def referral_page(client, referral, **headers) -> Page:
    return page(client, reverse("admin:referrals_referral_change", args=[referral.pk]), **headers)


def evaluating(partner):
    referral = make_referral(partner)
    return lifecycle.mark_interested(referral, by=partner.users.create(username="tanaka", role="admin"))


# 1. A request's page is read: no Save buttons; the pages that save keep theirs.


def test_the_request_page_has_no_save_buttons_and_refuses_a_post(staff_client, partner):
    referral = make_referral(partner)
    url = reverse("admin:referrals_rfi_change", args=[referral.rfi_id])
    shown = page(staff_client, url)
    assert not shown.buttons & SAVE_BUTTONS, shown.buttons
    assert not shown.fields  # nothing to type into
    before = RFI.objects.values().get(pk=referral.rfi_id)
    assert staff_client.post(url, {"need": "Changed", "_save": "Save"}).status_code == 403
    assert RFI.objects.values().get(pk=referral.rfi_id) == before


def test_the_pages_that_save_keep_their_buttons(staff_client):
    assert page(staff_client, reverse("admin:referrals_rfi_add")).buttons >= SAVE_BUTTONS
    blocked = BlockedSender.objects.create(address="spam.example", reason="Spam")
    changed = page(staff_client, reverse("admin:referrals_blockedsender_change", args=[blocked.pk]))
    assert changed.buttons >= SAVE_BUTTONS
    assert "address" in changed.fields


# 2. A referral's actions: the portal's labels, one action's form at a time.


def test_the_lifecycle_block_lists_the_actions_with_the_portal_labels_and_no_forms(staff_client, partner):
    referral = evaluating(partner)
    shown = referral_page(staff_client, referral)
    offered = {
        href.rstrip("/").split("/")[-1]: text
        for href, text in shown.links
        if f"/admin/referrals/referral/{referral.pk}/act/" in href
    }
    assert offered == {"accept": "Accept", "decline": "Decline", "disconnect": "Disconnect", "assign": "Assign",
                       "add_note": "Add the note"}  # fmt: skip
    assert offered == {name: str(registry.ACTIONS[name].label) for name in offered}
    # None of the actions' fields on the referral's page: each is on its own page.
    assert not shown.fields & {"deal_value", "currency", "close_date", "reason", "note", "owner", "final_value"}
    assert not shown.buttons & SAVE_BUTTONS


def test_an_action_page_shows_that_action_s_form_only_with_capitalised_labels(staff_client, partner):
    referral = evaluating(partner)
    accept = page(staff_client, reverse("admin:referrals_referral_act", args=[referral.pk, "accept"]))
    assert accept.fields == {"deal_value", "currency", "close_date"}
    assert sorted(accept.labels.values()) == ["Currency:", "Estimated close date:", "Estimated deal value:"]
    decline = page(staff_client, reverse("admin:referrals_referral_act", args=[referral.pk, "decline"]))
    assert decline.fields == {"reason", "note"}
    assert all(label[0].isupper() for label in decline.labels.values()), decline.labels


def test_the_not_interested_page_says_what_it_does_before_it_is_done(staff_client, partner):
    referral = make_referral(partner)
    url = reverse("admin:referrals_referral_act", args=[referral.pk, "mark_not_interested"])
    html = staff_client.get(url).content.decode()
    assert str(registry.ACTIONS["mark_not_interested"].confirm) in html.replace("&quot;", '"').replace("&#x27;", "'")


def test_staff_who_may_only_view_are_not_told_an_active_referral_is_archived(client, partner):
    from django.contrib.auth.models import Permission

    from tests.factories import StaffUserFactory

    viewer = StaffUserFactory(username="viewer", is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    html = client.get(reverse("admin:referrals_referral_change", args=[make_referral(partner).pk])).content.decode()
    assert "You may view this referral but not act on it." in html
    assert "archived" not in html


# 3. The history in the partners' words.


def test_the_history_shows_the_portal_labels_not_codes(staff_client, partner):
    referral = evaluating(partner)
    tomorrow = timezone.localdate() + timedelta(days=1)
    lifecycle.accept(referral, by=referral.partner.users.get(), deal_value=Decimal(2500000), currency="JPY",
                     close_date=tomorrow)  # fmt: skip
    html = staff_client.get(reverse("admin:referrals_referral_change", args=[referral.pk])).content.decode()
    history = Page(html).rows["events-group"]
    assert history[0].split()[0] == "At"  # the header row
    steps = history[1:]
    assert len(steps) == 3
    assert "Received" in steps[0] and "New" in steps[0] and "Customer" in steps[0]
    assert "Interested" in steps[1] and "New → Evaluating" in steps[1] and "tanaka (Partner)" in steps[1]
    assert "Accepted" in steps[2] and "Evaluating → Negotiating" in steps[2]
    assert "Estimated deal value" in steps[2] and "2,500,000" in steps[2]
    for code in ("mark_interested", "accept", "new", "evaluating", "negotiating", "∅"):
        assert not any(code in step.split() for step in steps), (code, steps)
    assert f"{referral.pk}: new → evaluating" not in html
    assert "mark_interested" not in html


def test_the_history_in_japanese_names_the_states_as_japanese_partners_read_them(staff_client, partner):
    referral = evaluating(partner)
    with translation.override("ja"):
        moved = f"{State.NEW.label} → {State.EVALUATING.label}"
    assert moved != "New → Evaluating"  # the seed's Japanese names
    history = referral_page(staff_client, referral, HTTP_ACCEPT_LANGUAGE="ja").rows["events-group"]
    assert moved in history[2], history


# 4. A request's referrals are links to their pages.


def test_a_request_lists_its_referrals_as_links_to_their_pages(staff_client, partner):
    referral = make_referral(partner)
    shown = page(staff_client, reverse("admin:referrals_rfi_change", args=[referral.rfi_id]))
    [row] = shown.rows["referrals-group"][1:]
    assert str(referral) in row
    assert (reverse("admin:referrals_referral_change", args=[referral.pk]), str(referral)) in shown.links
