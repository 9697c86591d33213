"""The pages under load: gunicorn (2 workers, production settings) driven by Debian's ``wrk``
with ``bench/wrk/requests.lua``, each workload against the floor view (bench/urls.py) in
alternating rounds of the same run.

- **Signed-in users of 100 partners** of different sizes (spread over the partners ranked by
  referrals, the focus partner first): one user each, signed in by a session made here with
  Django's SessionStore in the bench database (the same SECRET_KEY as gunicorn's), with a fixed
  CSRF cookie whose value is also the form's ``csrfmiddlewaretoken``.
- **Requests from a file**: bench writes one request a line (method, path, cookie, body);
  wrk's threads send the lines in turn, each once, and a round starts where the last stopped,
  so a cold run never asks for the same page twice.
- **Warm**: one page asked again and again by one user. **Cold**: the shared cache (Redis)
  flushed and gunicorn restarted (its in-process fragment caches with it) before each round,
  distinct referral pages, or distinct inbox pages (tabs, filters, keyset pages), each asked by
  a random one of the 100 users of a referral of their partner. **Mixed**: about 90 % such
  reads (repeats allowed, caches as they are) and 10 % actions posted through the page's forms
  (Interested on new referrals, Accept on evaluating ones, internal notes on any), each action
  on its own referral; a redirect answers both a done action and one refused as no longer
  allowed, so the timeline tells them apart.
- The floor is asked through the same script by the same users, at the page's size; the
  script itself is checked against a plain ``wrk`` run on the floor's URL.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from bench.generate import FIRST_FREE_ID, copy, reset_sequences
from common.sessions import SIGNED_IN_AT
from profiles.models import Location, User
from referrals import tally
from referrals.models import ARCHIVED_STATES, RFI, Customer, Referral, ReferralEvent

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "wrk" / "requests.lua"
CONNECTIONS = 8
THREADS = 2
PER_PAGE = 25  # referrals.inbox.PER_PAGE
TABS = ("new", "evaluating", "negotiating", "archived")
AREAS = ("cloud_infrastructure", "data_ai", "security", "modern_work", "business_applications", "app_development")


# --- gunicorn -----------------------------------------------------------------------------------


class Portal:
    """gunicorn serving the portal in production settings (and bench's floor views), restartable
    so that a cold run starts from fresh workers."""

    def __init__(self, workers: int = 2) -> None:
        self.port = 18000 + os.getpid() % 1000
        self.workers = workers
        self.server: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            # The sessions bench makes are signed and hashed with this key: gunicorn must share it.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "LOGIN_FAILURE_LIMIT": "1000000",
            "API_RATE_LIMIT": "100000000/min",
        }

    def start(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "referrals_portal.wsgi", "-b", f"127.0.0.1:{self.port}",
             "-w", str(self.workers), "--log-level", "warning"],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        import http.client

        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer")

    def worker_memory_mb(self) -> list[float]:
        """The resident memory of each gunicorn worker (the master's children), in MB."""
        assert self.server is not None
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        return [resident_mb(int(pid)) for pid in children]

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None

    def restart_cold(self, prime: Path | None = None) -> None:
        """Fresh workers and an empty shared cache: nothing rendered before answers for them.
        ``prime``: requests (pages held out of the measure) sent for a second first, so that
        the measure is of cold data, not of a Python process importing and compiling templates
        on its first requests; the shared cache is emptied again after them."""
        self.stop()
        cache.clear()
        self.start()
        if prime is not None:
            wrk(self.port, prime, seconds=1)
            cache.clear()


@contextlib.contextmanager
def running(workers: int = 2) -> Iterator[Portal]:
    cache.clear()  # fragments of an earlier data set must not answer for this one
    portal = Portal(workers)
    portal.start()
    try:
        yield portal
    finally:
        portal.stop()


# --- Signed-in users ----------------------------------------------------------------------------


@dataclass
class Reader:
    """A signed-in partner user and what of their partner's there is to ask for."""

    user: User
    partner_id: int
    size: int  # the partner's referrals
    cookie: str
    csrf: str
    referrals: list[int] = field(default_factory=list)
    states: dict[int, str] = field(default_factory=dict)


def sign_in(user: User) -> tuple[str, str]:
    """A session as the sign-in page leaves it (common.sessions' clock included), and a CSRF
    secret: the cookie header for it and the secret, which a form posts back unmasked."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "profiles.auth.PortalBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SIGNED_IN_AT] = datetime.now(UTC).timestamp()
    session.save()
    csrf = secrets.token_hex(16)  # 32 characters: the cookie's unmasked secret
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}", csrf


def readers(count: int = 100) -> list[Reader]:
    """One user of each of ``count`` partners spread over the partners ranked by their number of
    referrals (the largest first), signed in, with their partners' referrals."""
    sizes = dict(Referral.objects.values_list("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))
    first_user: dict[int, User] = {}
    for user in User.objects.filter(is_active=True, partner__isnull=False).order_by("partner_id", "id"):
        if user.partner_id is not None:
            first_user.setdefault(user.partner_id, user)
    ranked = sorted((p for p in first_user if sizes.get(p)), key=lambda p: (-sizes[p], p))
    step = max(1, len(ranked) - 1) / max(1, count - 1)
    chosen = list(dict.fromkeys(ranked[min(len(ranked) - 1, round(i * step))] for i in range(count)))
    result = []
    for partner_id in chosen:
        cookie, csrf = sign_in(first_user[partner_id])
        result.append(Reader(first_user[partner_id], partner_id, sizes[partner_id], cookie, csrf))
    by_partner = {r.partner_id: r for r in result}
    for partner_id, pk, state in Referral.objects.filter(partner_id__in=by_partner).values_list(
        "partner_id", "pk", "state"
    ):
        by_partner[partner_id].referrals.append(pk)
        by_partner[partner_id].states[pk] = state
    return result


def fresh_referrals(chosen: list[Reader], per_partner: int) -> dict[int, dict[str, list[int]]]:
    """``per_partner`` new and as many evaluating referrals, received an hour ago, for each
    reader's partner: what the mixed workload's Interested and Accept act on. Returns their ids
    by partner and state."""
    now = datetime.now(UTC)
    received = now - timedelta(hours=1)
    location = dict(
        Location.objects.filter(profile__partner_id__in=[r.partner_id for r in chosen])
        .order_by("-id")
        .values_list("profile__partner_id", "id")
    )
    with connection.cursor() as cursor:
        cursor.execute(FIRST_FREE_ID)
        start = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM referrals_referralevent")
        event_start = cursor.fetchone()[0] + 1
    plan = [(r.partner_id, state) for r in chosen for state in ("new", "evaluating") for _ in range(per_partner)]
    ids = range(start, start + len(plan))
    copy(Customer, ({"id": i, "contact_name": f"Mixed {i}", "company_name": "Mixed", "email": f"m{i}@customer.example",
                     "phone": "", "language": "ja", "created_at": received} for i in ids))  # fmt: skip
    copy(RFI, ({"id": i, "customer_id": i, "source": "search", "need": "A fresh request", "solution_area": "data_ai",
                "company_size": "small", "industry": "retail", "region": "JP", "budget_range": "medium",
                "timeline": "quarter", "consent_to_share": True, "status_salt": secrets.token_urlsafe(24),
                "created_at": received} for i in ids))  # fmt: skip
    answered = received + timedelta(minutes=10)
    copy(Referral, ({
        "id": i, "rfi_id": i, "partner_id": partner_id, "location_id": location[partner_id], "source": "search",
        "state": state, "received_at": received, "updated_at": answered if state == "evaluating" else received,
        "first_response_at": answered if state == "evaluating" else None,
        "evaluating_at": answered if state == "evaluating" else None,
        "currency": "", "decline_reason": "", "lost_reason": "", "skip_reason": "", "outcome_note": "",
        "external_reference_id": "",
    } for i, (partner_id, state) in zip(ids, plan, strict=True)))  # fmt: skip

    def events():
        event_id = event_start
        for i, (_partner_id, state) in zip(ids, plan, strict=True):
            yield {"id": event_id, "referral_id": i, "action": "received", "from_state": "", "to_state": "new",
                   "actor_kind": "customer", "note": "", "details": "{}", "created_at": received}  # fmt: skip
            event_id += 1
            if state == "evaluating":
                yield {"id": event_id, "referral_id": i, "action": "mark_interested", "from_state": "new",
                       "to_state": "evaluating", "actor_kind": "partner", "note": "", "details": "{}",
                       "created_at": answered}  # fmt: skip
                event_id += 1

    copy(ReferralEvent, events())
    reset_sequences()
    tally.recount([r.partner_id for r in chosen])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")
    made: dict[int, dict[str, list[int]]] = {r.partner_id: {"new": [], "evaluating": []} for r in chosen}
    by_partner = {r.partner_id: r for r in chosen}
    for i, (partner_id, state) in zip(ids, plan, strict=True):
        made[partner_id][state].append(i)
        by_partner[partner_id].referrals.append(i)
        by_partner[partner_id].states[i] = state
    return made


def inbox_pages(reader: Reader) -> list[str]:
    """Distinct inbox addresses of the reader's partner: each tab's first page, filtered by each
    solution area, and the archive's keyset pages newest and oldest first, as the Next links
    make them."""
    pages = [f"/referrals/?tab={tab}" for tab in TABS]
    pages += [f"/referrals/?tab={tab}&area={area}" for tab in TABS for area in AREAS]
    archived = Referral.objects.filter(partner_id=reader.partner_id, state__in=ARCHIVED_STATES)
    for sort, order in (("-received", ("-received_at", "-pk")), ("received", ("received_at", "pk"))):
        rows = list(archived.order_by(*order).values_list("received_at", "pk"))
        for number in range(2, len(rows) // PER_PAGE + 1):
            at, pk = rows[(number - 1) * PER_PAGE - 1]
            cursor = urlencode({"after": f"{at.isoformat()},{pk}", "page": number})
            pages.append(f"/referrals/?tab=archived&sort={sort}&{cursor}")
    return pages


# --- Request files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    method: str
    path: str
    cookie: str
    body: str = ""


def write(lines: list[Line], directory: Path, name: str) -> Path:
    path = directory / f"{name}.tsv"
    path.write_text("".join(f"{x.method}\t{x.path}\t{x.cookie}\t{x.body}\n" for x in lines))
    return path


def distinct(rng: random.Random, queues: dict[int, list[Line]], limit: int) -> list[Line]:
    """Lines of random readers in turn, each line once, until ``limit`` or none is left."""
    queues = {k: rng.sample(v, len(v)) for k, v in queues.items() if v}
    lines: list[Line] = []
    while queues and len(lines) < limit:
        key = rng.choice(list(queues))
        lines.append(queues[key].pop())
        if not queues[key]:
            del queues[key]
    return lines


def cold_referral_lines(rng: random.Random, chosen: list[Reader], limit: int) -> list[Line]:
    queues = {r.partner_id: [Line("GET", f"/referrals/{pk}/", r.cookie) for pk in r.referrals] for r in chosen}
    return distinct(rng, queues, limit)


def cold_inbox_lines(rng: random.Random, chosen: list[Reader], pages: dict[int, list[str]], limit: int) -> list[Line]:
    queues = {r.partner_id: [Line("GET", page, r.cookie) for page in pages[r.partner_id]] for r in chosen}
    return distinct(rng, queues, limit)


def mixed_lines(rng: random.Random, chosen: list[Reader], pages: dict[int, list[str]],
                fresh: dict[int, dict[str, list[int]]], count: int, actions: float = 0.1) -> list[Line]:  # fmt: skip
    """Reads by random readers (a referral page or an inbox page, repeats allowed) and, one in
    ten, an action posted by the referral page's form: Interested on a fresh new referral,
    Accept on a fresh evaluating one (each once), or an internal note."""
    queues = {p: {s: list(ids) for s, ids in by_state.items()} for p, by_state in fresh.items()}
    close_date = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    lines = []
    for _ in range(count):
        reader = rng.choice(chosen)
        if rng.random() >= actions:
            if rng.random() < 0.6:
                lines.append(Line("GET", f"/referrals/{rng.choice(reader.referrals)}/", reader.cookie))
            else:
                lines.append(Line("GET", rng.choice(pages[reader.partner_id]), reader.cookie))
            continue
        kind = rng.choice(["mark_interested", "accept", "add_note"])
        form = {"csrfmiddlewaretoken": reader.csrf}
        mine = queues[reader.partner_id]
        if kind == "mark_interested" and mine["new"]:
            pk = mine["new"].pop()
            form["expected_state"] = "new"
        elif kind == "accept" and mine["evaluating"]:
            pk = mine["evaluating"].pop()
            form.update(expected_state="evaluating", deal_value="1200000", currency="JPY", close_date=close_date)
        else:
            kind = "add_note"
            pk = rng.choice(reader.referrals)
            form.update(expected_state=reader.states[pk], note="Called the customer; a demo next week.")
        lines.append(Line("POST", f"/referrals/{pk}/{kind}/", reader.cookie, urlencode(form)))
    return lines


def floor_lines(chosen: list[Reader], size: int) -> list[Line]:
    return [Line("GET", f"/bench/floor/?bytes={size}", r.cookie) for r in chosen]


# --- wrk ----------------------------------------------------------------------------------------


def _run(command: list[str]) -> tuple[str, float]:
    """Runs wrk; its output and the CPU seconds it used."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output[-2000:]}")
    return output, usage.ru_utime + usage.ru_stime


def wrk(port: int, requests: Path, *, seconds: int, start: int = 0) -> dict:
    """One run of wrk with bench/wrk/requests.lua over ``requests`` from line ``start``."""
    output, cpu = _run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{port}",
            "--",
            str(requests),
            str(start),
            str(THREADS),
        ]
    )
    found = re.search(r"^WRK_JSON (\{.*\})$", output, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no WRK_JSON in wrk's output: {output[-2000:]}")
    import json

    figures = json.loads(found.group(1))
    figures["wrk_cpu_s"] = cpu
    figures["next_start"] = start + figures["furthest_per_thread"] * THREADS
    return figures


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def plain_wrk(port: int, path: str, cookie: str, *, seconds: int) -> dict:
    """wrk without a script: one URL, one cookie header."""
    output, cpu = _run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{port}{path}",
        ]
    )
    found = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", output, re.MULTILINE)
    assert found, output
    duration = float(found.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[found.group(3)]
    latencies = {p: float(v) * _UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)$", output, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests": int(found.group(1)), "duration_us": duration * 1e6, "p50_us": latencies["50"] * 1000,
            "p99_us": latencies["99"] * 1000, "errors_status": int(non_2xx.group(1)) if non_2xx else 0,
            "wrk_cpu_s": cpu}  # fmt: skip


def summary(runs: list[dict]) -> dict:
    """Rounds together: throughput over all of them; the median round's p50, the worst p99."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    result = {
        "requests": requests,
        "rps": round(requests / seconds, 1),
        "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 1),
        "p99_ms": round(max(r["p99_us"] for r in runs) / 1000, 1),
        "wrk_cpu_share": round(sum(r["wrk_cpu_s"] for r in runs) / seconds, 3),
        "errors": sum(r.get("errors_status", 0) + r.get("errors_timeout", 0) + r.get("errors_connect", 0)
                      + r.get("errors_read", 0) + r.get("errors_write", 0) + r.get("signed_out", 0) for r in runs),
    }  # fmt: skip
    for key in ("posts", "redirected", "refused", "client_errors", "server_errors", "signed_out", "wrapped"):
        if any(key in r for r in runs):
            result[key] = sum(r.get(key, 0) for r in runs)
    return result


def compare(portal: Portal, page: Path, floor: Path, *, seconds: int, rounds: int,
            cold: Path | None = None, after_page: Callable[[dict], None] | None = None) -> dict:  # fmt: skip
    """The page's requests and the floor's in alternating rounds, each round going on where the
    last stopped. ``cold``: fresh workers (primed with these held-out requests) and an empty
    cache before every round of either."""
    page_runs, floor_runs = [], []
    page_start = floor_start = 0
    for _ in range(rounds):
        if cold:
            portal.restart_cold(cold)
        run = wrk(portal.port, page, seconds=seconds, start=page_start)
        page_start = run["next_start"]
        page_runs.append(run)
        if after_page:
            after_page(run)
        if cold:
            portal.restart_cold(cold)
        run = wrk(portal.port, floor, seconds=seconds, start=floor_start)
        floor_start = run["next_start"]
        floor_runs.append(run)
    page_figures, floor_figures = summary(page_runs), summary(floor_runs)
    return {"page": page_figures, "floor": floor_figures,
            "throughput_ratio": round(page_figures["rps"] / floor_figures["rps"], 2)}  # fmt: skip


def fetch_size(port: int, line: Line) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(line.method, line.path, headers={"Host": "127.0.0.1", "Cookie": line.cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200, (line.path, response.status, body[:300])
    return len(body)


# --- The workloads ------------------------------------------------------------------------------


def bench_pages(*, seconds: int, rounds: int, seed: int = 7) -> dict:
    """Floor validation, warm pages, cold referral pages and inbox pages, the mixed workload."""
    rng = random.Random(seed)
    chosen = readers(100)
    bench_user = chosen[0]
    assert bench_user.partner_id == 1, "the focus partner has the most referrals"
    fresh = fresh_referrals(chosen, per_partner=max(5, seconds * 2))
    pages = {r.partner_id: inbox_pages(r) for r in chosen}
    results: dict = {
        "users": {
            "partners": len(chosen),
            "referrals_of_smallest": chosen[-1].size,
            "referrals_of_largest": chosen[0].size,
            "median_referrals": statistics.median(r.size for r in chosen),
            "inbox_pages": sum(len(p) for p in pages.values()),
        },
        "connections": CONNECTIONS,
        "wrk_threads": THREADS,
        "seconds_per_round": seconds,
        "rounds": rounds,
    }
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp, running() as portal:
        directory = Path(tmp)
        limit = 200_000
        cold_referrals = cold_referral_lines(rng, chosen, limit)
        cold_inbox = cold_inbox_lines(rng, chosen, pages, limit)
        mixed = mixed_lines(rng, chosen, pages, fresh, count=limit // 4)
        # Held out of the cold runs: 20 pages of each kind, which give the floor its size (their
        # mean) and prime fresh workers.
        held_out = {"referral": cold_referrals[-20:], "inbox": cold_inbox[-20:]}
        cold_referrals, cold_inbox = cold_referrals[:-20], cold_inbox[:-20]
        sizes = {name: round(statistics.mean(fetch_size(portal.port, x) for x in lines))
                 for name, lines in held_out.items()}  # fmt: skip
        primes = {name: write(lines, directory, f"prime_{name}") for name, lines in held_out.items()}
        sizes["mixed"] = round(0.6 * sizes["referral"] + 0.4 * sizes["inbox"])
        files = {name: write(lines, directory, name) for name, lines in
                 (("cold_referrals", cold_referrals), ("cold_inbox", cold_inbox), ("mixed", mixed))}  # fmt: skip
        floors = {name: write(floor_lines(chosen, size), directory, f"floor_{name}") for name, size in sizes.items()}

        # The load generator is not the bottleneck: the floor through the script (one session,
        # the answers counted) against a plain wrk run of the same URL with the same session, and
        # the CPU wrk used. (The 100 users' sessions are the floor of the cold and mixed rows.)
        url = f"/bench/floor/?bytes={sizes['referral']}"
        same = write([Line("GET", url, bench_user.cookie)], directory, "floor_validation")
        scripted_runs, plain_runs = [], []
        for _ in range(2 * rounds):
            scripted_runs.append(wrk(portal.port, same, seconds=seconds))
            plain_runs.append(plain_wrk(portal.port, url, bench_user.cookie, seconds=seconds))
        scripted, plain = summary(scripted_runs), summary(plain_runs)
        results["floor_validation"] = {"script": scripted, "plain_wrk": plain, "bytes": sizes["referral"],
                                       "ratio": round(scripted["rps"] / plain["rps"], 2)}  # fmt: skip
        print("floor validation", results["floor_validation"], flush=True)

        # Warm: one page again and again, by the focus partner's user.
        referral = Referral.objects.filter(partner_id=1, state="negotiating").order_by("-received_at").first()
        assert referral is not None, "the data set gives partner 1 negotiating referrals"
        archived = Referral.objects.filter(partner_id=1, state__in=ARCHIVED_STATES).order_by("-received_at", "-pk")
        deep = archived.count() // PER_PAGE * PER_PAGE - PER_PAGE
        before = archived[deep - 1]
        cursor = urlencode({"after": f"{before.received_at.isoformat()},{before.pk}", "page": deep // PER_PAGE + 1})
        warm_pages = {
            "inbox (archived tab)": "/referrals/?tab=archived",
            f"inbox (archived tab, page {deep // PER_PAGE + 1}, keyset)": f"/referrals/?tab=archived&sort=-received&{cursor}",
            "inbox (new tab, filtered by area and source)": "/referrals/?tab=new&area=cloud_infrastructure&source=search",
            "referral page": f"/referrals/{referral.pk}/",
            "insights": "/insights/",
            "dashboard": "/referrals/dashboard/",
        }
        warm = {}
        for number, (name, path) in enumerate(warm_pages.items()):
            line = Line("GET", path, bench_user.cookie)
            size = fetch_size(portal.port, line)
            page_file = write([line], directory, f"warm_{number}")
            floor_file = write([Line("GET", f"/bench/floor/?bytes={size}", bench_user.cookie)], directory,
                               f"warm_floor_{number}")  # fmt: skip
            warm[name] = {**compare(portal, page_file, floor_file, seconds=seconds, rounds=rounds), "bytes": size}
            print("warm", name, warm[name], flush=True)
        results["warm"] = warm

        cold = {}
        for name, key, file in (("referral page", "referral", files["cold_referrals"]),
                                ("inbox", "inbox", files["cold_inbox"])):  # fmt: skip
            cold[name] = {**compare(portal, file, floors[key], seconds=seconds, rounds=rounds, cold=primes[key]),
                          "bytes": sizes[key], "distinct": len(cold_referrals if key == "referral" else cold_inbox)}  # fmt: skip
            print("cold", name, cold[name], flush=True)
        results["cold"] = cold

        # Mixed, on the workers and caches the cold runs left. The timeline says which posted
        # actions were done; a redirect without one was an action refused as no longer allowed.
        events_before = ReferralEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        mixed_result = compare(portal, files["mixed"], floors["mixed"], seconds=seconds, rounds=rounds)
        time.sleep(0.5)  # requests in flight when wrk stopped
        done = ReferralEvent.objects.filter(pk__gt=events_before, actor_kind="partner").count()
        page = mixed_result["page"]
        page["actions_done"] = done
        page["actions_refused_stale"] = max(0, page["redirected"] - done) + page["refused"]
        page["server_errors"] = page.get("server_errors", 0)
        mixed_result["bytes"] = sizes["mixed"]
        results["mixed"] = mixed_result
        print("mixed", mixed_result, flush=True)
        results["gunicorn_worker_mb"] = portal.worker_memory_mb()  # after all of the load above
    results["queries"] = query_counts(bench_user.user, warm_pages["referral page"])
    return results


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for {pid}")


def query_counts(user: User, referral_page: str) -> dict:
    """Queries of a referral page and the inbox, asked in process with empty caches and again."""
    from django.core.cache import caches
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    counts = {}
    for name, path in (("referral page", referral_page), ("inbox (archived tab)", "/referrals/?tab=archived")):
        for cache_name in settings.CACHES:
            caches[cache_name].clear()
        for state in ("cold", "warm"):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, secure=True)
            assert response.status_code == 200, (path, response.status_code)
            counts[f"{name}, {state}"] = len(captured)
    return counts
