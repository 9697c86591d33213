"""Every GET parameter of every page, fed hostile values, as anonymous visitors, partner users
and operator staff would send them: a clear 4xx or the page, never a server error.

The parameters come from the pages themselves (the fields of their GET forms and the query
strings of their links: filters, sorting, pages, CSV links), so a new filter cannot escape."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from profiles import team
from referrals import lifecycle
from tests.factories import make_referral
from tests.security.test_authorization_matrix import build, keys_and_hooks, url_names

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "9999-12-31",
    "9999",
    "12",
    "0001-01-01",
    "2026-02-30",
    "-1",
    "0",
    "99999999999999999999999",
    "1e308",
    "abc",
    "' OR 1=1 --",
    "%",
    "<script>",
    "[]",
    "²",  # a digit to str.isdigit, not to int()
    "NaN",
]


class Parameters(HTMLParser):
    """The names a page's GET forms send and its own links carry."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path, self.names, self.in_get_form = path, set(), False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self.in_get_form and attributes.get("name"):
            self.names.add(attributes["name"])
        elif tag == "a" and attributes.get("href"):
            link = urlsplit(attributes["href"])
            if link.query and link.path in ("", self.path):
                self.names.update(name for name, _value in parse_qsl(link.query, keep_blank_values=True))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


@pytest.fixture
def world(partner, owner, outsider, operator):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    for _ in range(30):  # enough for a second page in the lists
        make_referral(partner)
    invitation = team.invite(by=owner, email="colleague@partner.example", role="admin", locations=[], language="en")
    return {
        "referral": referral,
        "invitation": invitation,
        "users": {"partner_a": owner, "partner_b": outsider, "staff": operator},
        **keys_and_hooks(owner),
    }


@pytest.mark.parametrize("role", ["anonymous", "partner_a", "staff"])
def test_no_get_parameter_of_any_page_makes_a_server_error(client, world, role):
    client.raise_request_exception = False  # collect every failure, then report them all
    pages = walked = 0
    failures: set[str] = set()
    for name, params in url_names():
        if name in ("logout", "admin:logout", "set_language") or name.endswith(("_delete", "_history")):
            continue
        url = build(name, params, world)
        if url is None:
            continue
        client.logout()
        if role != "anonymous":
            client.force_login(world["users"][role])
        page = client.get(url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        pages += 1
        parser = Parameters(urlsplit(url).path)
        parser.feed(page.content.decode())
        for parameter in sorted(parser.names - {"csrfmiddlewaretoken"}):
            for value in HOSTILE:
                response = client.get(url, {parameter: value})
                if hasattr(response, "streaming_content"):
                    try:
                        b"".join(response.streaming_content)
                    except Exception:  # a stream that breaks half-way is a server error too
                        response.status_code = 500
                if response.status_code >= 500:
                    failures.add(f"{role} {url}?{parameter}={value[:30]!r}")
                walked += 1
    assert not failures, "\n".join(sorted(failures))
    # On 2026-11-27: 13 pages and 136 requests anonymous, 19 and 289 as a partner, 48 and 1,581 as staff.
    assert pages >= {"anonymous": 13, "partner_a": 19, "staff": 48}[role], pages
    assert walked >= {"anonymous": 130, "partner_a": 280, "staff": 1500}[role], walked


@pytest.mark.parametrize("token", ["\x00", "abc\x00def", "x" * 5000])
def test_a_hostile_status_link_is_a_clear_4xx(client, token):
    for name in ("rfi_status", "rfi_withdraw"):
        response = client.get(reverse(name, args=[token]))
        assert 400 <= response.status_code < 500


def test_unreadable_input_is_explained_in_the_users_language(client, owner):
    client.force_login(owner)
    response = client.get(reverse("referrals:list"), {"q": "a\x00b"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert "読み取れない文字" in response.content.decode()
    export = client.get(reverse("referrals:export"), {"q": "\x00"})
    assert export.status_code == 400  # refused before the download starts, not half-way


def test_impossible_dates_in_the_admins_filters_are_refused_like_wrong_ones(client, operator):
    client.force_login(operator)
    for year in ("99999999999999999999999", "9999"):
        response = client.get(reverse("admin:referrals_referral_changelist"), {"received_at__year": year})
        assert response.status_code == 302 and "e=1" in response["Location"]
