"""Demo data: partner companies in several regions, their profiles, locations, contacts and
users, an operator superuser, and referrals in every state. Safe to run again: what exists
is left as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from profiles.models import BusinessProfile, Contact, Location, PartnerCompany, User
from referrals import lifecycle, rfis, sweeps
from referrals.models import Customer

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the demo; never used outside seed_demo
OPERATOR = ("operator", "operator-pass-2026")
ROLE_NAMES = {"admin": "referral admin", "user": "referral user"}

PARTNERS: list[dict[str, Any]] = [
    {
        "name": "Sakura Cloud K.K.",
        # username, role, language, the locations of a referral user
        "users": [
            ("sakura", "admin", "ja", []),
            ("sakura-en", "admin", "en", []),
            ("sakura-tokyo", "user", "ja", ["Tokyo HQ"]),
            ("sakura-osaka", "user", "en", ["Osaka office"]),
        ],
        "default_owners": {"Tokyo HQ": "sakura-tokyo"},
        "profiles": [
            {
                "region": "JP",
                "headline": "Azure migration and data platforms for Japanese manufacturers",
                "keywords": "azure, migration, data platform, IoT, 製造",
                "solution_areas": ["cloud_infrastructure", "data_ai"],
                "industries": ["manufacturing", "retail"],
                "company_sizes": ["medium", "large", "enterprise"],
                "languages": ["ja", "en"],
                "locations": [
                    ("Tokyo HQ", "Tokyo", [("Aoi Tanaka", "tanaka@sakura-cloud.example", "ja")]),
                    ("Osaka office", "Osaka", [("Ken Sato", "sato@sakura-cloud.example", "ja")]),
                ],
            }
        ],
    },
    {
        "name": "Fuji Data Systems",
        "users": [("fuji", "admin", "ja", []), ("fuji-nagoya", "user", "ja", ["Nagoya office"])],
        "profiles": [
            {
                "region": "JP",
                "headline": "Analytics, AI and Power BI for retail and finance",
                "keywords": "power bi, analytics, machine learning, 小売",
                "solution_areas": ["data_ai", "business_applications"],
                "industries": ["retail", "finance"],
                "company_sizes": ["small", "medium"],
                "languages": ["ja"],
                "locations": [("Nagoya office", "Nagoya", [("Yui Suzuki", "suzuki@fuji-data.example", "ja")])],
            },
            {
                "region": "SG",
                "headline": "Data and AI across South-East Asia",
                "keywords": "analytics, AI, data",
                "solution_areas": ["data_ai"],
                "industries": ["finance", "retail"],
                "company_sizes": ["medium", "large"],
                "languages": ["en"],
                "locations": [("Singapore", "Singapore", [("Wei Lim", "lim@fuji-data.example", "en")])],
            },
        ],
    },
    {
        "name": "Northwind Consulting",
        "users": [("northwind", "admin", "en", []), ("northwind-london", "user", "en", ["London"])],
        "profiles": [
            {
                "region": "US",
                "headline": "Security and modern work for healthcare and public sector",
                "keywords": "security, zero trust, teams, compliance",
                "solution_areas": ["security", "modern_work"],
                "industries": ["healthcare", "public_sector"],
                "company_sizes": ["large", "enterprise"],
                "languages": ["en"],
                "locations": [("Seattle", "Seattle", [("Sam Lee", "sam@northwind.example", "en")])],
            },
            {
                "region": "GB",
                "headline": "Secure modern workplaces in the UK",
                "keywords": "security, microsoft 365, intune",
                "solution_areas": ["security", "modern_work"],
                "industries": ["finance", "education"],
                "company_sizes": ["medium", "large"],
                "languages": ["en"],
                "locations": [("London", "London", [("Amelia Price", "amelia@northwind.example", "en")])],
            },
        ],
    },
    {
        "name": "Contoso Sicherheit GmbH",
        "users": [("contoso", "admin", "en", []), ("contoso-munich", "user", "en", ["Munich"])],
        "profiles": [
            {
                "region": "DE",
                "headline": "Security operations for manufacturers",
                "keywords": "sentinel, defender, SOC",
                "solution_areas": ["security"],
                "industries": ["manufacturing"],
                "company_sizes": ["large", "enterprise"],
                "languages": ["en"],
                "locations": [("Munich", "Munich", [("Lena Vogel", "vogel@contoso.example", "en")])],
            }
        ],
    },
]

# (customer, company, language, need, solution area, industry, size, hours ago, what happened next)


@dataclass(frozen=True)
class DemoRequest:
    """A customer's request to Sakura Cloud's first office, and what the partner did with it."""

    name: str
    company: str
    language: str
    need: str
    solution_area: str
    industry: str
    company_size: str
    hours_ago: int  # when it arrived
    steps: list[str]  # keys of STEPS, three hours apart
    office: str = "Tokyo HQ"

    @property
    def email(self) -> str:
        return f"{self.name.lower().replace(' ', '.')}@customer.example"


SAKURA_REFERRALS = [
    DemoRequest(
        "Hanako Yamada",
        "Yamada Seisakusho",
        "ja",
        "生産管理システムをクラウドに移行したい。",
        "cloud_infrastructure",
        "manufacturing",
        "medium",
        2,
        [],
    ),
    DemoRequest(
        "Kenji Ito", "Ito Foods", "ja", "店舗データを分析して需要予測をしたい。", "data_ai", "retail", "large", 20, []
    ),
    DemoRequest(
        "Emily Clark",
        "Clark Robotics",
        "en",
        "Move our robot telemetry to a managed data platform.",
        "data_ai",
        "manufacturing",
        "medium",
        60,
        [],
        office="Osaka office",
    ),
    DemoRequest(
        "Taro Kobayashi",
        "Kobayashi Parts",
        "ja",
        "オンプレミスの SQL Server を Azure に移行したい。",
        "cloud_infrastructure",
        "manufacturing",
        "large",
        30,
        ["interested"],
    ),
    DemoRequest(
        "Mai Nakamura",
        "Nakamura Retail",
        "ja",
        "POS データを統合したい。",
        "data_ai",
        "retail",
        "medium",
        150,
        ["interested"],
    ),
    DemoRequest(
        "John Smith",
        "Smith Logistics",
        "en",
        "Hybrid cloud for our warehouses.",
        "cloud_infrastructure",
        "manufacturing",
        "enterprise",
        200,
        ["interested", "accept"],
        office="Osaka office",
    ),
    DemoRequest(
        "Yuki Watanabe",
        "Watanabe Steel",
        "ja",
        "工場の IoT データ基盤を構築したい。",
        "data_ai",
        "manufacturing",
        "large",
        600,
        ["interested", "accept", "won"],
    ),
    DemoRequest(
        "Sara Jones",
        "Jones Apparel",
        "en",
        "Cloud ERP hosting.",
        "cloud_infrastructure",
        "retail",
        "medium",
        700,
        ["interested", "accept", "lost"],
        office="Osaka office",
    ),
    DemoRequest(
        "Daiki Kato",
        "Kato Shoten",
        "ja",
        "ホームページの改修",
        "app_development",
        "retail",
        "small",
        90,
        ["not_interested"],
    ),
    DemoRequest(
        "Rina Yoshida", "Yoshida Chemicals", "ja", "データ分析の相談", "data_ai", "manufacturing", "medium", 100, []
    ),
    DemoRequest(
        "Paul Martin",
        "Martin Tools",
        "en",
        "Disaster recovery to Azure.",
        "cloud_infrastructure",
        "manufacturing",
        "medium",
        300,
        ["interested", "decline"],
        office="Osaka office",
    ),
    DemoRequest(
        "Akira Mori",
        "Mori Textiles",
        "ja",
        "基幹システムの移行",
        "cloud_infrastructure",
        "manufacturing",
        "large",
        400,
        ["interested_long_ago"],
    ),
    DemoRequest(
        "Olivia Brown",
        "Brown Market",
        "en",
        "Analytics for our stores.",
        "data_ai",
        "retail",
        "medium",
        50,
        ["disconnect"],
        office="Osaka office",
    ),
]

# What the partner (or the operator) did, each through the lifecycle as anyone would; each
# step is called with the referral, the partner user, the operator, its time and now.


def _interested(referral, user, operator, at, now):
    return lifecycle.mark_interested(referral, by=user, now=at)


def _interested_long_ago(referral, user, operator, at, now):
    """An hour after it arrived, long enough ago to be close to expiring."""
    return lifecycle.mark_interested(referral, by=user, now=referral.received_at + timedelta(hours=1))


def _not_interested(referral, user, operator, at, now):
    return lifecycle.mark_not_interested(referral, reason="not_a_fit", by=user, now=at)


def _accept(referral, user, operator, at, now):
    close = timezone.localdate(now) + timedelta(days=45)
    return lifecycle.accept(referral, by=user, deal_value=Decimal("4800000"), currency="JPY", close_date=close, now=at)


def _won(referral, user, operator, at, now):
    return lifecycle.mark_won(referral, by=user, final_value=Decimal("5200000"), now=at)


def _lost(referral, user, operator, at, now):
    return lifecycle.mark_lost(referral, by=user, reason="competitor", now=at)


def _decline(referral, user, operator, at, now):
    return lifecycle.decline(referral, by=user, reason="no_capacity", note="Fully booked this quarter.", now=at)


def _disconnect(referral, user, operator, at, now):
    return lifecycle.disconnect(referral, by=operator, note="Customer asked to stop.", now=at)


STEPS = {
    "interested": _interested,
    "interested_long_ago": _interested_long_ago,
    "not_interested": _not_interested,
    "accept": _accept,
    "won": _won,
    "lost": _lost,
    "decline": _decline,
    "disconnect": _disconnect,
}


class Command(BaseCommand):
    help = "Create demo partners, profiles, users, an operator and referrals in every state (idempotent)."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        with transaction.atomic():
            operator = self._operator()
            sakura_offices = self._partners()
        sakura = User.objects.get(username="sakura")
        # Each request through the actions, each in its own transaction (as a customer and a
        # partner would make them); a request whose customer exists is left as it is.
        for request in SAKURA_REFERRALS:
            if not Customer.objects.filter(email=request.email).exists():
                self._send(request, sakura_offices[request.office], sakura, operator, now)
        # What beat would have done by now: archive the ones nobody answered in time.
        failed = sweeps.fail_overdue(now)
        expired = sweeps.expire_overdue(now)
        self._print_logins(failed, expired)

    def _partners(self) -> dict[str, Location]:
        """The demo partners with their profiles and users; returns Sakura Cloud's offices by name."""
        sakura: dict[str, Location] = {}
        for spec in PARTNERS:
            partner, _ = PartnerCompany.objects.get_or_create(name=spec["name"])
            offices: dict[str, Location] = {}
            for profile_spec in spec["profiles"]:
                offices |= self._profile(partner, profile_spec)
            for username, role, language, assigned in spec["users"]:
                user = self._user(partner, username, role, language)
                user.locations.set([offices[name] for name in assigned])
            for office, username in spec.get("default_owners", {}).items():
                offices[office].default_owner = User.objects.get(username=username)
                offices[office].save(update_fields=["default_owner"])
            if spec["name"].startswith("Sakura"):
                sakura = offices
        return sakura

    def _user(self, partner: PartnerCompany, username: str, role: str, language: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "partner": partner,
                "role": role,
                "language": language,
                "email": f"{username}@demo.example",
                "time_zone": "Asia/Tokyo" if language == "ja" else "UTC",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _print_logins(self, failed: list[int], expired: list[int]) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        if failed or expired:
            self.stdout.write(f"Archived {len(failed)} failed and {len(expired)} expired demo referrals.")
        self.stdout.write(f"Sign in at /accounts/login/ as a partner user (password for all: {DEMO_PASSWORD}):")
        for spec in PARTNERS:
            for username, role, language, assigned in spec["users"]:
                where = f", {', '.join(assigned)}" if assigned else ""
                self.stdout.write(f"  {username:<16} {spec['name']} ({ROLE_NAMES[role]}{where}, {language})")
        self.stdout.write(f"Operator staff, Django admin at /admin/: {OPERATOR[0]} / {OPERATOR[1]}")

    def _operator(self) -> User:
        user, created = User.objects.get_or_create(
            username=OPERATOR[0],
            defaults={"is_staff": True, "is_superuser": True, "email": "operator@demo.example", "language": "en"},
        )
        if created:
            user.set_password(OPERATOR[1])
            user.save()
        return user

    def _profile(self, partner: PartnerCompany, spec: dict) -> dict[str, Location]:
        fields = {
            key: spec[key]
            for key in ("headline", "keywords", "solution_areas", "industries", "company_sizes", "languages")
        }
        profile, _ = BusinessProfile.objects.get_or_create(partner=partner, region=spec["region"], defaults=fields)
        offices = {}
        for name, city, contacts in spec["locations"]:
            location, _ = Location.objects.get_or_create(profile=profile, name=name, defaults={"city": city})
            for contact_name, email, language in contacts:
                Contact.objects.get_or_create(
                    location=location,
                    email=email,
                    defaults={"name": contact_name, "language": language, "phone": "+81 3-0000-0000"},
                )
            offices[name] = location
        if not profile.is_active:
            profile.is_active = True
            profile.save(update_fields=["is_active"])
        return offices

    def _send(self, request: DemoRequest, location: Location, user: User, operator: User, now) -> None:
        """The customer's request, sent ``hours_ago``, then the partner's steps three hours apart."""
        received = now - timedelta(hours=request.hours_ago)
        rfi = rfis.submit_rfi(
            rfis.CustomerDetails(request.name, request.company, request.email, "+81 90-1234-5678", request.language),
            [location],
            now=received,
            need=request.need,
            solution_area=request.solution_area,
            industry=request.industry,
            company_size=request.company_size,
            region="JP",
            budget_range="medium",
            timeline="quarter",
            consent_to_share=True,
        )
        referral = rfi.referrals.get()
        for number, step in enumerate(request.steps, start=1):
            referral = STEPS[step](referral, user, operator, received + timedelta(hours=3 * number), now)
