"""Local mail a person can read (devtools.mail): one .eml file a message, named by time and
recipient, and the DEBUG-only pages at /dev/mail/ that list and show them. With DEBUG off the
pages are not routed, nothing loads devtools, and each view answers 404 besides."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import NoReverseMatch, clear_url_caches, reverse

import referrals_portal.urls
from devtools import mail
from tests import test_html_validity as html_validity
from tests.security import test_authorization_matrix as matrix

ROOT = Path(__file__).resolve().parent.parent
SUBJECT = "新しい紹介: クラウド移行のご相談 — 株式会社サクラ"
NAME = re.compile(r"\d{8}-\d{6}-\d{6}-(?P<who>.+)\.eml")

# The authorization matrix's people and objects, asked about the mail pages with DEBUG on.
world = matrix.world
viewer = matrix.viewer


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


@pytest.fixture
def backend(mail_dir):
    return django_mail.get_connection("devtools.mail.EmailBackend")


@pytest.fixture
def debug_on(settings):
    """DEBUG on, and the project's URLs loaded again as they are with it."""
    settings.DEBUG = True
    importlib.reload(referrals_portal.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(referrals_portal.urls)
    clear_url_caches()


BODY = "ご確認ください。\n<b>not markup</b>\nhttp://127.0.0.1:8000/accounts/reset/MQ/set-password/\n"


def send(connection, to, subject=SUBJECT, body=BODY, html="<p>Hello</p>"):
    message = EmailMultiAlternatives(subject, body, to=to, connection=connection)
    if html:
        message.attach_alternative(html + "<script>alert('from the email')</script>", "text/html")
    return message


# --- The backend --------------------------------------------------------------------------------


def test_the_backend_writes_one_eml_file_per_message_named_by_time_and_recipient(backend, mail_dir):
    # One connection, several messages: as the outbox drain sends them.
    with backend:
        sent = backend.send_messages(
            [
                send(backend, ["ken@sakura.example"]),
                send(backend, ["Ōta Hanako <ota@fuji.example>"], subject="Second"),
                send(backend, ["ken@sakura.example"], subject="Third"),
                send(backend, ["first@northwind.example", "second@northwind.example"], subject="Two"),
                send(backend, ["../../etc/o'brien\\x@contoso.example"], subject="Odd"),
            ]
        )
    assert sent == 5
    files = sorted(mail_dir.iterdir())
    assert [path.suffix for path in files] == [".eml"] * 5  # no .log, no temporary file left
    recipients = [NAME.fullmatch(path.name)["who"] for path in files]
    assert recipients == [
        "ken@sakura.example",
        "ota@fuji.example",
        "ken@sakura.example",
        "first@northwind.example-and-1-more",
        "etc_o_brien_x@contoso.example",
    ]
    assert all(mail.NAME.fullmatch(path.name) for path in files)
    subjects = []
    for path in files:
        data = path.read_bytes()
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # an .eml: CRLF line ends
        parsed = message_from_bytes(data, policy=policy.default)
        assert len(parsed.get_all("Subject")) == 1  # one message, not several
        subjects.append(str(parsed["Subject"]).strip())
    assert subjects == [SUBJECT, "Second", "Third", "Two", "Odd"]


def test_two_messages_in_the_same_microsecond_get_two_files(backend, mail_dir, monkeypatch):
    monkeypatch.setattr(mail, "file_name", lambda recipients: "20261204-153012-123456-ken@sakura.example.eml")
    assert backend.send_messages([send(backend, ["ken@sakura.example"]) for _ in range(3)]) == 3
    assert sorted(path.name for path in mail_dir.iterdir()) == [
        "20261204-153012-123456-ken@sakura.example-2.eml",
        "20261204-153012-123456-ken@sakura.example-3.eml",
        "20261204-153012-123456-ken@sakura.example.eml",
    ]


def run_settings(debug: str, tmp_path: Path) -> dict:
    """The real settings in a process of their own, as ``./dev run`` (DEBUG on) or production
    (DEBUG off) starts them with the default EMAIL_URL."""
    script = (
        "import json, os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'referrals_portal.settings'; "
        "django.setup(); from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/dev/mail/'); routed = True\nexcept Resolver404:\n    routed = False\n"
        "print(json.dumps({'backend': settings.EMAIL_BACKEND, 'routed': routed, "
        "'devtools': sorted(name for name in sys.modules if name.startswith('devtools'))}))"
    )
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    environment |= {
        "PORTAL_TEST": "1",  # no .env
        "DEBUG": debug,
        "SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789",
        "ALLOWED_HOSTS": "portal.example.com",
        "VAR_DIR": str(tmp_path / debug),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_default_settings_use_it_with_debug_on_only(tmp_path):
    local = run_settings("true", tmp_path)
    assert local["backend"] == "devtools.mail.EmailBackend"
    assert local["routed"]
    production = run_settings("false", tmp_path)
    assert production == {
        "backend": "django.core.mail.backends.filebased.EmailBackend",
        "routed": False,
        "devtools": [],
    }


# --- The pages ------------------------------------------------------------------------------------


def test_the_list_shows_the_newest_first_with_recipient_and_japanese_subject_decoded(client, debug_on, backend):
    backend.send_messages([send(backend, ["ken@sakura.example"], subject="An older one")])
    backend.send_messages([send(backend, ["Ōta Hanako <ota@fuji.example>"])])
    response = client.get("/dev/mail/")
    assert response.status_code == 200
    page = response.content.decode()
    assert SUBJECT in page
    assert "=?utf-8?" not in page
    assert page.index(SUBJECT) < page.index("An older one")
    assert "Ōta Hanako &lt;ota@fuji.example&gt;" in page
    assert "2 emails" in page
    assert "no-store" in response["Cache-Control"]


def test_a_message_shows_its_headers_decoded_and_its_text_escaped_never_its_html(client, debug_on, backend, mail_dir):
    backend.send_messages([send(backend, ["Ōta Hanako <ota@fuji.example>"])])
    (name,) = [path.name for path in mail_dir.iterdir()]
    response = client.get(reverse("dev_mail:message", args=[name]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{SUBJECT}</h1>" in page
    assert "<dd>Ōta Hanako &lt;ota@fuji.example&gt;</dd>" in page
    assert "ご確認ください。\n&lt;b&gt;not markup&lt;/b&gt;" in page
    # A link of the text can be followed (a password reset's, an invitation's).
    assert '<a href="http://127.0.0.1:8000/accounts/reset/MQ/set-password/" rel="nofollow">' in page
    assert "<p>Hello</p>" not in page and "from the email" not in page
    assert "text/plain, text/html" in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]

    raw = client.get(reverse("dev_mail:raw", args=[name]))
    assert raw.status_code == 200
    assert raw["Content-Type"] == "text/plain; charset=utf-8"
    assert raw["X-Content-Type-Options"] == "nosniff"
    assert b"".join(raw.streaming_content) == (mail_dir / name).read_bytes()


def test_a_message_without_a_text_part_says_so(client, debug_on, mail_dir):
    mail_dir.mkdir()
    (mail_dir / "20261204-153012-123456-ken@sakura.example.eml").write_bytes(
        b"Subject: =?utf-8?b?5paw44GX44GE57S55LuL?=\r\nTo: ken@sakura.example\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>only markup</p>\r\n"
    )
    page = client.get("/dev/mail/20261204-153012-123456-ken@sakura.example.eml/").content.decode()
    assert "<h1>新しい紹介</h1>" in page
    assert "This email has no text part." in page
    assert "only markup" not in page


def test_the_pages_speak_japanese(debug_on, backend):
    backend.send_messages([send(backend, ["ken@sakura.example"])])
    page = Client(HTTP_ACCEPT_LANGUAGE="ja").get("/dev/mail/").content.decode()
    assert '<html lang="ja">' in page
    assert SUBJECT in page


# --- Never with DEBUG off, and never outside the folder -------------------------------------------


def test_with_debug_off_the_pages_are_not_routed(client, backend, mail_dir):
    backend.send_messages([send(backend, ["ken@sakura.example"])])
    (name,) = [path.name for path in mail_dir.iterdir()]
    assert not [name for name, _ in matrix.url_names() if name.startswith("dev_mail:")]
    with pytest.raises(NoReverseMatch):
        reverse("dev_mail:list")
    for url in ("/dev/mail/", f"/dev/mail/{name}/", f"/dev/mail/raw/{name}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SUBJECT not in response.content.decode()


def test_the_views_refuse_to_answer_with_debug_off_even_where_routed(client, debug_on, settings, backend, mail_dir):
    backend.send_messages([send(backend, ["ken@sakura.example"])])
    (name,) = [path.name for path in mail_dir.iterdir()]
    urls = [reverse("dev_mail:list"), reverse("dev_mail:message", args=[name]), reverse("dev_mail:raw", args=[name])]
    assert all(client.get(url).status_code == 200 for url in urls)
    settings.DEBUG = False
    for url in urls:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "name",
    [
        "../secret.eml",
        "..",
        "..eml",
        ".hidden.eml",
        "secret",
        "secret.txt",
        "/etc/passwd",
        "..\\secret.eml",
        "mail/../../secret.eml",
        "%2e%2e%2fsecret.eml",
        "ken@sakura.example.eml\x00.txt",
    ],
)
def test_a_name_that_is_not_a_message_of_the_folder_is_refused(mail_dir, name):
    mail_dir.mkdir()
    (mail_dir.parent / "secret.eml").write_text("Subject: not yours\r\n\r\nsecret\r\n")
    assert mail.message_path(name) is None


def test_no_address_reaches_outside_the_folder(client, debug_on, mail_dir):
    mail_dir.mkdir()
    secret = mail_dir.parent / "secret.eml"
    secret.write_text("Subject: not yours\r\n\r\nthe secret\r\n")
    (mail_dir / "20261204-153012-123456-link@sakura.example.eml").symlink_to(secret)
    for url in (
        "/dev/mail/..%2Fsecret.eml/",
        "/dev/mail/raw/..%2Fsecret.eml",
        "/dev/mail/raw/%2E%2E%2Fsecret.eml",
        "/dev/mail/raw/..%5Csecret.eml",
        "/dev/mail/20261204-153012-123456-link@sakura.example.eml/",
        "/dev/mail/raw/20261204-153012-123456-link@sakura.example.eml",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"the secret" not in content, url
    assert "not yours" not in client.get("/dev/mail/").content.decode()  # nor is it listed


# --- Who may see them: everyone, with DEBUG on (the authorization matrix's entries) -------------


def test_with_debug_on_the_mail_pages_answer_everyone_as_the_matrix_says(client, debug_on, world, backend, mail_dir):
    backend.send_messages([send(backend, ["ken@sakura.example"])])
    (name,) = [path.name for path in mail_dir.iterdir()]
    pages = [(url_name, params) for url_name, params in matrix.url_names() if url_name.startswith("dev_mail:")]
    assert sorted(url_name for url_name, _ in pages) == ["dev_mail:list", "dev_mail:message", "dev_mail:raw"]
    for url_name, params in pages:
        assert url_name in matrix.GET_ONLY
        url = reverse(url_name, kwargs={"name": name} if params else {})
        for role in matrix.ROLES:
            matrix.sign_in_as(client, world, role)
            where = f"{role} GET {url} ({url_name})"
            matrix.check_answer(client.get(url), matrix.expected(url_name, role), where, url_name)
            assert client.post(url).status_code == matrix.NOT_ALLOWED, where


# --- Valid HTML -----------------------------------------------------------------------------------


def test_the_mail_pages_are_valid_html(debug_on, backend, mail_dir, tmp_path):
    if not html_validity.VNU.exists() or not shutil.which("java"):
        pytest.fail("The Nu HTML Checker is missing: run the README's test command, which installs it.")
    backend.send_messages([send(backend, ["ken@sakura.example"]), send(backend, ["ota@fuji.example"], html="")])
    names = sorted(path.name for path in mail_dir.iterdir())
    files = []
    for language in ("en", "ja"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        for number, url in enumerate(["/dev/mail/", *(reverse("dev_mail:message", args=[name]) for name in names)]):
            response = client.get(url)
            assert response.status_code == 200, url
            file = tmp_path / f"{language}-{number}.html"
            file.write_bytes(response.content)
            files.append(file)
    checked = subprocess.run(
        ["java", "-jar", str(html_validity.VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    messages = json.loads(checked.stderr or checked.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert not errors, "\n".join(errors)
