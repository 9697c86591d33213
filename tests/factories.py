from __future__ import annotations

from datetime import datetime

import factory
from django.utils import timezone

from profiles.models import BusinessProfile, Contact, Location, PartnerCompany, User
from referrals import rfis
from referrals.models import RFI, Customer, Referral, Source


class PartnerCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerCompany
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner {n} K.K.")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@partner.example")
    partner = factory.SubFactory(PartnerCompanyFactory)
    # Sees all of the partner's referrals; a location-scoped user is made with role="user" and
    # their locations (scoped_user).
    role = "admin"
    language = "en"
    time_zone = "Asia/Tokyo"
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def scoped_user(partner: PartnerCompany, *locations: Location, **fields) -> User:
    """A referral user of ``partner`` who sees the referrals of ``locations`` only."""
    user = UserFactory(partner=partner, role="user", **fields)
    user.locations.set(locations)
    return user


class StaffUserFactory(UserFactory):
    partner = None
    role = "user"
    is_staff = True
    is_superuser = True


class BusinessProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessProfile
        django_get_or_create = ("partner", "region")

    partner = factory.SubFactory(PartnerCompanyFactory)
    region = "JP"
    headline = factory.LazyAttribute(lambda p: f"{p.partner.name}: cloud and data")
    keywords = "azure, migration, data"
    solution_areas = factory.LazyFunction(lambda: ["cloud_infrastructure", "data_ai"])
    industries = factory.LazyFunction(lambda: ["manufacturing", "retail"])
    company_sizes = factory.LazyFunction(lambda: ["medium", "large"])
    languages = factory.LazyFunction(lambda: ["ja", "en"])
    is_active = True


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    profile = factory.SubFactory(BusinessProfileFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    city = "Tokyo"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")
    phone = "+81 3-1234-5678"
    language = "en"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    contact_name = "Hanako Yamada"
    company_name = "Yamada Seisakusho"
    email = factory.Sequence(lambda n: f"customer{n}@customer.example")
    phone = "+81 6-0000-1111"
    language = "en"


class RFIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RFI

    customer = factory.SubFactory(CustomerFactory)
    source = Source.SEARCH
    need = "Move our factory scheduling system to the cloud."
    solution_area = "cloud_infrastructure"
    company_size = "medium"
    industry = "manufacturing"
    region = "JP"
    budget_range = "medium"
    timeline = "quarter"
    consent_to_share = True


def location_with_contact(partner: PartnerCompany | None = None, **contact) -> Location:
    location = LocationFactory(profile__partner=partner or PartnerCompanyFactory())
    ContactFactory(location=location, **contact)
    return location


def make_referral(
    partner: PartnerCompany | None = None,
    *,
    now: datetime | None = None,
    rfi: RFI | None = None,
    location: Location | None = None,
    **rfi_fields,
) -> Referral:
    """A new referral, made the way the portal makes them (events and emails included), to
    ``location`` or to a new location of ``partner``."""
    location = location or location_with_contact(partner)
    rfi = rfi or RFIFactory(**rfi_fields)
    [referral] = rfis.refer(rfi, [location], now=now or timezone.now())
    return referral


def rfi_form_data(chosen, **overrides) -> dict:
    """What a customer posts on the request form, to ``chosen`` locations, with ``overrides``."""
    return {
        "locations": [location.pk for location in chosen],
        "need": "基幹システムをクラウドに移行したい。工場 3 か所です。",
        "solution_area": "cloud_infrastructure",
        "industry": "manufacturing",
        "company_size": "medium",
        "region": "JP",
        "budget_range": "medium",
        "timeline": "quarter",
        "contact_name": "山田 花子",
        "company_name": "山田製作所",
        "email": "hanako@yamada.example",
        "phone": "+81 6-1234-5678",
        "consent": "on",
        "website": "",
        **overrides,
    }


def api_key(admin: User, *, role: str = "admin", locations=(), name: str = "CRM sync", **fields) -> str:
    """A new API key of ``admin``'s company, made as the portal makes them; returns the key."""
    from api import keys

    _key, secret = keys.create(by=admin, name=name, role=role, locations=locations, **fields)
    return secret
