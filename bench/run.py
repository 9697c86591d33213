"""Benchmarks, each against a baseline measured in the same run; prints a table and writes
bench/results/latest.json.

    ./dev bench              # PostgreSQL database "bench", 1,000,000 referrals
    ./dev bench --quick      # 50,000 referrals, shorter runs: a smoke test of the suite itself
    ./dev bench --size 100000 1000000 3000000   # the pages at each size, in one table of growth

The pages are driven by Debian's wrk (bench/load.py, bench/wrk/requests.lua).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.mail import get_connection  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench import load  # noqa: E402
from bench.generate import FIRST_FREE_ID, copy, generate, reset_sequences  # noqa: E402
from customers import matching  # noqa: E402
from devtools.smtp import running_smtp_server  # noqa: E402
from outbox import sending  # noqa: E402
from outbox.models import OutboundEmail  # noqa: E402
from outbox.rendering import Rendered  # noqa: E402
from profiles.models import BusinessProfile, Contact, Location, PartnerCompany, User  # noqa: E402
from referrals import sweeps, tally  # noqa: E402
from referrals.models import RFI, Customer, Referral, ReferralTally  # noqa: E402
from referrals.views import _counts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- The API under gunicorn, with a Python client ----------------------------------------------------
# (The pages are driven by wrk: bench/load.py.)


class Client:
    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(
        self, method: str, path: str, body: dict | str | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1",
                   **self.headers}  # fmt: skip
        data: str | None = None
        if isinstance(body, str):  # JSON, for the API
            data = body
            headers["Content-Type"] = "application/json"
        elif body is not None:
            data = urlencode(body)
            headers.update(
                {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/"}
            )
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        conn.close()
        return response.status, content, response

    def sign_in(self, username: str, password: str) -> None:
        _status, page, _ = self.request("GET", "/accounts/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, "the sign-in page has its CSRF token"
        token = found.group(1).decode()
        status, _, _ = self.request(
            "POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        assert status == 302 and "sessionid" in self.cookies, "bench sign-in failed"


def thread_load(
    port: int, cookies: dict, path: str, *, seconds: float, concurrency: int, headers: dict | None = None,
    method: str = "GET", body: str | None = None,
) -> tuple[list[float], int, float]:  # fmt: skip
    """Closed-loop load: ``concurrency`` clients, each sending the next request when the last
    answered. Returns the latencies, the number of errors and the seconds it ran."""
    latencies: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client() -> None:
        c = Client(port, headers)
        c.cookies = dict(cookies)
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status, _content, _ = c.request(method, path, body)
            mine.append(time.perf_counter() - started)
            if status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


def compare(port: int, cookies: dict, path: str, floor: str, *, seconds: float, concurrency: int, rounds: int = 3,
            **request):  # fmt: skip
    """The page and its floor in alternating rounds, so a slow spell of the machine weighs on both."""
    runs: dict[str, list] = {"page": [[], 0, 0.0], "floor": [[], 0, 0.0]}
    for _ in range(rounds):
        for name, target in (("floor", floor), ("page", path)):
            latencies, errors, elapsed = thread_load(
                port, cookies, target, seconds=seconds / rounds, concurrency=concurrency, **request
            )
            runs[name][0] += latencies
            runs[name][1] += errors
            runs[name][2] += elapsed
    return {
        name: {
            "requests": len(latencies),
            "errors": errors,
            "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(1000 * percentile(latencies, 0.5), 1),
            "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
        }
        for name, (latencies, errors, elapsed) in runs.items()
    }


def bench_api(*, seconds: float, concurrency: int) -> dict:
    """The API's referral list and an action (a note: it locks the row, writes the timeline and
    a webhook delivery if the partner has an endpoint, and answers the referral) against a floor
    endpoint behind the same key authentication and rate limit, answering JSON of the same size."""
    from api import keys

    user = User.objects.get(username="bench")
    _key, secret = keys.create(by=user, name=f"bench {datetime.now(UTC).isoformat()}", role="admin")
    headers = {"Authorization": f"Bearer {secret}"}
    referral = Referral.objects.filter(partner_id=1, state="evaluating").order_by("-received_at").first()
    assert referral is not None, "the data set gives partner 1 evaluating referrals"
    note = json.dumps({"note": "Called the customer; a demo next week."})
    requests = {
        "API referral list (50 of 10,000)": ("GET", "/api/v1/referrals/?limit=50", None),
        "API action (add a note, If-Match: *)": ("POST", f"/api/v1/referrals/{referral.pk}/add_note/", note),
    }
    results = {}
    with load.running() as portal:  # the same gunicorn as the pages', in production settings
        port = portal.port
        client = Client(port, {**headers, "If-Match": "*"})
        for name, (method, path, body) in requests.items():
            status, content, _ = client.request(method, path, body)
            assert status == 200, (name, status, content[:300])
            floor = f"/bench/api-floor/?bytes={len(content)}"
            measured = compare(port, {}, path, floor, seconds=seconds, concurrency=concurrency,
                               headers={**headers, "If-Match": "*"}, method=method, body=body)  # fmt: skip
            page, floor_figures = measured["page"], measured["floor"]
            results[name] = {"page": page, "floor": floor_figures, "bytes": len(content),
                             "throughput_ratio": round(page["rps"] / floor_figures["rps"], 2)}  # fmt: skip
    return results


# --- The sweep against the bare SQL -----------------------------------------------------------------


def overdue_referrals(count: int, now: datetime) -> None:
    """``count`` new referrals of partner 2, received 80 hours ago: all due to fail."""
    with connection.cursor() as cursor:
        cursor.execute(FIRST_FREE_ID)
        start = cursor.fetchone()[0] + 1
    received = now - timedelta(hours=80)
    ids = range(start, start + count)
    copy(Customer, ({"id": i, "contact_name": f"C{i}", "company_name": "X", "email": f"c{i}@customer.example",
                     "phone": "", "language": "ja", "created_at": received} for i in ids))  # fmt: skip
    copy(RFI, ({"id": i, "customer_id": i, "source": "search", "need": "Overdue request", "solution_area": "data_ai",
                "company_size": "small", "industry": "retail", "region": "JP", "budget_range": "unknown",
                "timeline": "now", "consent_to_share": True, "status_salt": secrets.token_urlsafe(24),
                "created_at": received} for i in ids))  # fmt: skip
    copy(Referral, ({"id": i, "rfi_id": i, "partner_id": 2, "location_id": 2, "source": "search", "state": "new",
                     "received_at": received, "updated_at": received, "currency": "", "decline_reason": "",
                     "lost_reason": "", "outcome_note": ""} for i in ids))  # fmt: skip
    reset_sequences()
    tally.recount([2])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")


def bench_sweep(count: int) -> dict:
    now = datetime.now(UTC)
    sweeps.fail_overdue(now)  # referrals of the data set that came due since it was made: not timed
    sweeps.expire_overdue(now)
    overdue_referrals(count, now)
    started = time.perf_counter()
    changed = sweeps.fail_overdue(now)
    sweep_seconds = time.perf_counter() - started
    assert len(changed) == count
    overdue_referrals(count, now)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral SET state = 'failed', closed_at = %s, updated_at = %s "
            "WHERE state = 'new' AND received_at <= %s",
            [now, now, now - timedelta(hours=72)],
        )
        assert cursor.rowcount == count
    bare_seconds = time.perf_counter() - started
    # The same three writes per referral as the sweep (the state, a timeline event, the
    # customer's email), in one bare statement: what the rows cost without the portal's code.
    overdue_referrals(count, now)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH moved AS (UPDATE referrals_referral SET state = 'failed', closed_at = %(now)s, updated_at = %(now)s "
            "  WHERE state = 'new' AND received_at <= %(due)s RETURNING id, rfi_id), "
            "events AS (INSERT INTO referrals_referralevent "
            "  (referral_id, action, from_state, to_state, actor_id, actor_kind, note, details, created_at) "
            "  SELECT id, 'fail', 'new', 'failed', NULL, 'system', '', '{}', %(now)s FROM moved) "
            "INSERT INTO outbox_outboundemail (dedupe_key, template, to_email, language, subject, body_text, "
            "  body_html, renders_at_send, status, attempts, last_error, next_attempt_at, created_at, sent_at, "
            "  about_type_id, about_id) "
            "SELECT 'bare:' || moved.id, 'choose_another_partner', c.email, c.language, '', '', '', true, "
            "  'failed', 0, '', %(now)s, %(now)s, NULL, %(about_type)s, moved.id "
            "FROM moved JOIN referrals_rfi f ON f.id = moved.rfi_id JOIN referrals_customer c ON c.id = f.customer_id",
            {
                "now": now,
                "due": now - timedelta(hours=72),
                "about_type": ContentType.objects.get_for_model(Referral).pk,
            },
        )
        assert cursor.rowcount == count
    same_writes_seconds = time.perf_counter() - started
    return {"referrals": count, "sweep_s": round(sweep_seconds, 2), "bare_sql_s": round(bare_seconds, 2),
            "ratio": round(sweep_seconds / bare_seconds, 1), "same_writes_sql_s": round(same_writes_seconds, 2),
            "ratio_to_same_writes": round(sweep_seconds / same_writes_seconds, 1)}  # fmt: skip


# --- A Celery worker's memory after real work ----------------------------------------------------


def bench_worker_memory(overdue: int, rounds: int = 2) -> dict:
    """A Celery worker (solo pool, production settings, Redis as broker) runs the sweep over
    ``overdue`` referrals in ``rounds`` equal rounds and sends the customers' emails each
    queued to an SMTP server on loopback; its resident memory is read after each round. A
    worker whose memory grows by as much in the second round as in the first is leaking; one
    that grows in the first only was filling its caches."""
    from celery import Celery

    from bench.load import resident_mb

    now = datetime.now(UTC)
    sweeps.fail_overdue(now)  # what came due since the data set was made: not this worker's
    sweeps.expire_overdue(now)
    OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).update(status=OutboundEmail.Status.FAILED)
    broker = "redis://127.0.0.1:6379/5"
    after_rounds, seconds, sent = [], [], 0
    with running_smtp_server() as (mailbox, port):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "false",
               "SECRET_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "127.0.0.1", "CELERY_BROKER_URL": broker,
               "EMAIL_URL": f"smtp://127.0.0.1:{port}"}  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "referrals_portal", "worker", "--pool=solo", "--loglevel=WARNING"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            time.sleep(3)
            started_mb = resident_mb(worker.pid)
            for round_ in range(rounds):
                now = datetime.now(UTC)
                overdue_referrals(overdue // rounds, now)
                started = time.time()
                Celery(broker=broker).send_task("referrals.tasks.sweep_referrals")
                deadline = started + 600
                overdue_left = Referral.objects.filter(state="new", received_at__lte=now - timedelta(hours=72))
                pending = OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING)
                while time.time() < deadline and (
                    len(mailbox.messages) < (round_ + 1) * (overdue // rounds)
                    or overdue_left.exists()
                    or pending.exists()
                ):
                    time.sleep(1)
                seconds.append(round(time.time() - started, 1))
                sent = len(mailbox.messages)
                after_rounds.append(resident_mb(worker.pid))
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:  # still in a task at the deadline: the figures stand
                worker.kill()
                worker.wait()
    left = Referral.objects.filter(state="new", received_at__lte=now - timedelta(hours=72)).count()
    return {"overdue": overdue, "rounds": rounds, "swept": overdue - left, "emails_sent": sent,
            "round_seconds": seconds, "started_mb": started_mb, "after_rounds_mb": after_rounds,
            "after_mb": after_rounds[-1]}  # fmt: skip


# --- The outbox drain against Django's send_messages ---------------------------------------------


def bench_outbox(count: int, rounds: int = 4) -> dict:
    """The drain and Django's ``send_messages`` in alternating rounds, the same messages
    (headers included) to the same SMTP server."""
    drain_seconds = baseline_seconds = 0.0
    with running_smtp_server() as (mailbox, port), override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port,
        EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="",
    ):  # fmt: skip
        # The sweep's emails are still queued (no worker runs here): keep them out of this measure.
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).update(status=OutboundEmail.Status.FAILED)
        for round_ in range(rounds):
            now = datetime.now(UTC)
            emails = OutboundEmail.objects.bulk_create(
                OutboundEmail(
                    dedupe_key=f"bench:{now.timestamp()}:{round_}:{i}",
                    template="bench",
                    to_email=f"to{i}@bench.example",
                    language="en",
                    subject="Bench",
                    body_text="Hello\n" * 20,
                    body_html="<p>Hello</p>" * 20,
                    created_at=now,
                    next_attempt_at=now,
                )
                for i in range(count // rounds)
            )
            started = time.perf_counter()
            result = sending.drain(limit=count)
            drain_seconds += time.perf_counter() - started
            assert result["sent"] == count // rounds, result
            # What the drain sent, unsent.
            messages = [
                sending.build_message(email, Rendered(email.subject, email.body_text, email.body_html))
                for email in emails
            ]
            started = time.perf_counter()
            with get_connection() as smtp:
                smtp.send_messages(messages)
            baseline_seconds += time.perf_counter() - started
        assert len(mailbox.messages) == 2 * rounds * (count // rounds)
    return {"emails": count, "drain_s": round(drain_seconds, 2), "send_messages_s": round(baseline_seconds, 2),
            "ratio": round(drain_seconds / baseline_seconds, 1)}  # fmt: skip


# --- Search and dashboard counts, in process --------------------------------------------------------------


def timed(call, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return {
        "runs": runs,
        "p50_ms": round(1000 * statistics.median(samples), 1),
        "p95_ms": round(1000 * percentile(samples, 0.95), 1),
    }


def bench_queries(runs: int) -> dict:
    """Partner search and the dashboard counts, in process. Search is timed twice: as the
    database is after the benchmarks before it (the sweep's and the drain's bulk writes can leave
    dead rows in the tallies it reads until autovacuum passes: 36 against 34 ms p95 on
    2026-12-05), and after ``VACUUM ANALYZE`` of the tables it reads, as autovacuum leaves them."""
    areas = ["cloud_infrastructure", "data_ai", "security", "modern_work"]
    needs = [matching.Needs(region="JP", solution_area=areas[i % 4], industry="retail") for i in range(runs)]
    it = iter(needs * 3)
    figures = {
        "partner search (2,000 partners), right after the bulk writes": timed(lambda: matching.search(next(it)), runs)
    }
    with connection.cursor() as cursor:
        for model in (ReferralTally, BusinessProfile, Location, Contact, PartnerCompany):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    figures["partner search (2,000 partners), vacuumed"] = timed(lambda: matching.search(next(it)), runs)
    figures["dashboard counts (10,000 referrals)"] = timed(lambda: _counts(tally.by_state(1)), runs)
    return figures


TARGETS = (
    "pages (8 connections, gunicorn 2 workers): cold referral page and cold inbox ≥ 0.5 of the floor, p99 < 100 ms; "
    "mixed ≥ 0.4, no errors; warm ≥ 0.5; the floor through the wrk script within 10 % of a plain wrk run; "
    "sweep ≤ 2× the same writes in one bare statement; drain ≤ 2× send_messages; search p95 < 50 ms"
)


def _measured(figures: dict) -> str:
    return f"{figures['rps']} req/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms"


def pages_rows(pages: dict) -> list[str]:
    lines = []
    check = pages["floor_validation"]
    lines.append(
        f"| floor through bench/wrk/requests.lua (wrk used {check['script']['wrk_cpu_share']:.0%} of a core) "
        f"| {_measured(check['script'])} | plain wrk, same URL ({check['bytes']} B) and session: "
        f"{_measured(check['plain_wrk'])} "
        f"| {check['ratio']} | 0.90–1.10 |"
    )
    for name, page in pages["warm"].items():
        target = "≥ 0.50" if name.startswith(("inbox (archived tab)", "referral")) else "—"
        lines.append(
            f"| warm: {name} | {_measured(page['page'])} | floor ({page['bytes']} B): {_measured(page['floor'])} "
            f"| {page['throughput_ratio']} | {target} |"
        )
    for name, page in pages["cold"].items():
        repeats = f", {page['page']['wrapped']} repeated" if page["page"].get("wrapped") else ""
        lines.append(
            f"| cold: {name} ({page['page']['requests']:,} distinct of {page['distinct']:,}{repeats}) "
            f"| {_measured(page['page'])} | floor ({page['bytes']} B), cold too: {_measured(page['floor'])} "
            f"| {page['throughput_ratio']} | ≥ 0.50, p99 < 100 ms |"
        )
    mixed = pages["mixed"]
    page = mixed["page"]
    lines.append(
        f"| mixed: {page['requests']:,} requests, {page['posts']} actions posted ({page['actions_done']} done, "
        f"{page['actions_refused_stale']} refused as no longer allowed) | {_measured(page)}, "
        f"{page['errors']} errors, {page['server_errors']} server errors "
        f"| floor ({mixed['bytes']} B): {_measured(mixed['floor'])} | {mixed['throughput_ratio']} | ≥ 0.40, no errors |"
    )
    return lines


def growth_table(sizes: list[dict]) -> str:
    """How the pages' cost grows with the data set: one row per size."""
    lines = [
        "| referrals | generator | cold referral page | cold inbox | warm referral page | mixed "
        "| queries (referral page cold/warm, inbox cold/warm) | sweep of a fixed number of overdue "
        "| gunicorn workers after the load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in sizes:
        pages = run["pages"]
        cells = [f"{run['data']['referrals']:,}", f"{run['data']['seconds']} s"]
        for figures in (pages["cold"]["referral page"], pages["cold"]["inbox"], pages["warm"]["referral page"],
                        pages["mixed"]):  # fmt: skip
            cells.append(
                f"{figures['throughput_ratio']} of the floor, p50 {figures['page']['p50_ms']} ms, "
                f"p99 {figures['page']['p99_ms']} ms"
            )
        q = pages["queries"]
        cells.append(
            f"{q['referral page, cold']}/{q['referral page, warm']}, "
            f"{q['inbox (archived tab), cold']}/{q['inbox (archived tab), warm']}"
        )
        sweep = run.get("sweep")
        cells.append(
            f"{sweep['referrals']:,} in {sweep['sweep_s']} s ({sweep['ratio_to_same_writes']}× the same writes)"
            if sweep
            else "—"
        )
        memory = pages.get("gunicorn_worker_mb")
        cells.append(" and ".join(f"{mb} MB" for mb in memory) if memory else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(results: dict) -> str:
    lines = ["| benchmark | measured | baseline (same run) | ratio | target |", "|---|---|---|---|---|"]
    if "data" in results:
        data = results["data"]
        lines.append(
            f"| data set: {data['referrals']:,} referrals, {data['events']:,} events | generated in {data['seconds']} s "
            "| — | — | — |"
        )
    if "pages" in results:
        lines += pages_rows(results["pages"])
    for name, measured in results.get("api", {}).items():
        lines.append(
            f"| {name} | {measured['page']['rps']} req/s, p50 {measured['page']['p50_ms']} ms, "
            f"p95 {measured['page']['p95_ms']} ms | floor behind the same key ({measured['bytes']} B): "
            f"{measured['floor']['rps']} req/s, p95 {measured['floor']['p95_ms']} ms | {measured['throughput_ratio']} | — |"
        )
    sweep = results["sweep"]
    lines.append(
        f"| timeout sweep, {sweep['referrals']:,} overdue | {sweep['sweep_s']} s | bare SQL UPDATE: {sweep['bare_sql_s']} s "
        f"(the same three writes per referral in one bare statement: {sweep['same_writes_sql_s']} s) "
        f"| {sweep['ratio']}× ({sweep['ratio_to_same_writes']}×) | ≤ 2× the same writes |"
    )
    outbox = results["outbox"]
    lines.append(
        f"| outbox drain, {outbox['emails']:,} emails to SMTP on loopback | {outbox['drain_s']} s | send_messages, one connection: {outbox['send_messages_s']} s | {outbox['ratio']}× | ≤ 2× |"
    )
    for name, figures in results["queries"].items():
        lines.append(
            f"| {name} | p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms | — | — | {'p95 < 50 ms' if 'search' in name else '—'} |"
        )
    if worker := results.get("worker"):
        lines.append(
            f"| Celery worker (solo pool): sweeps of {worker['overdue']:,} overdue in {worker.get('rounds', 1)} rounds and "
            f"the {worker['emails_sent']:,} emails they queued (each round {', '.join(f'{s} s' for s in worker.get('round_seconds', []))}) "
            f"| {' then '.join(f'{mb} MB' for mb in worker.get('after_rounds_mb', [worker['after_mb']]))} resident after each round "
            f"| at start: {worker['started_mb']} MB | — | — |"
        )
    if memory := results["pages"].get("gunicorn_worker_mb"):
        lines.append(
            f"| gunicorn workers after the page load | {' and '.join(f'{mb} MB' for mb in memory)} | — | — | — |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-generate", action="store_true", help="reuse the data set already in the database")
    parser.add_argument("--only", nargs="+", choices=["pages", "api", "sweep", "outbox", "queries", "worker"],
                        help="run only these")  # fmt: skip
    parser.add_argument("--size", nargs="+", type=int, metavar="REFERRALS",
                        help="the data set's referrals (default 1,000,000; --quick 50,000); several sizes run the "
                             "pages at each, in one table of how their cost grows, the rest at the last")  # fmt: skip
    arguments = parser.parse_args()
    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("Point DATABASE_URL at a PostgreSQL database named *bench* (./dev bench does).")
    if arguments.skip_generate and arguments.size and len(arguments.size) > 1:
        raise SystemExit("--skip-generate reuses one data set: give at most one --size.")
    sizes = arguments.size or [50_000 if arguments.quick else 1_000_000]
    results: dict = {
        "started": datetime.now(UTC).isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
    }
    # wrk: seconds a round, rounds (page and floor alternating); the Python client for the API.
    seconds, rounds = (2, 3) if arguments.quick else (5, 3)
    api_seconds, concurrency = (3, 4) if arguments.quick else (15, 4)
    benchmarks = {
        "pages": lambda: load.bench_pages(seconds=seconds, rounds=rounds),
        "api": lambda: bench_api(seconds=api_seconds, concurrency=concurrency),
        "sweep": lambda: bench_sweep(10_000 if arguments.quick else 100_000),
        "outbox": lambda: bench_outbox(500 if arguments.quick else 2_000),
        "queries": lambda: bench_queries(20 if arguments.quick else 100),
        "worker": lambda: bench_worker_memory(1_000 if arguments.quick else 10_000),
    }
    chosen = arguments.only or list(benchmarks)
    growth = []
    for number, size in enumerate(sizes):
        last = number == len(sizes) - 1
        if arguments.skip_generate:
            results["data"] = {"referrals": Referral.objects.count(), "events": 0, "seconds": "—"}
        else:
            results["data"] = generate(partners=2000, locations=5000, users=10000, referrals=size, focus=10_000)
            print("generated:", results["data"], flush=True)
        for name in chosen:
            if name != "pages" and not last:
                continue  # the other benchmarks run on the last data set
            results[name] = benchmarks[name]()
            print(name, json.dumps(results[name], default=str), flush=True)
        if "pages" in chosen:
            # The sweep at the same 10,000 overdue referrals at every size: its cost should follow
            # the overdue rows, not the table's.
            fixed = bench_sweep(2_000 if arguments.quick else 10_000) if "sweep" in chosen else None
            growth.append({"data": results["data"], "pages": results["pages"], "sweep": fixed})
            # Printed as it comes: a run that stops later keeps this size's figures.
            print("growth", json.dumps(growth[-1], default=str), flush=True)
    if len(sizes) > 1:
        results["growth"] = growth
        results["growth_table"] = growth_table(growth)
    if arguments.only:
        if "pages" in chosen:
            print("\n".join(["| benchmark | measured | baseline (same run) | ratio | target |", "|---|---|---|---|---|",
                             *pages_rows(results["pages"])]))  # fmt: skip
        if "growth_table" in results:
            print(results["growth_table"])
        return  # a partial run, for working on one thing: the results are not saved
    results["table"] = table(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("quick.json" if arguments.quick else "latest.json")).write_text(
        json.dumps(results, indent=2, default=str)
    )
    print(results["table"])
    if "growth_table" in results:
        print(results["growth_table"])
    print("Targets:", TARGETS)


if __name__ == "__main__":
    main()
