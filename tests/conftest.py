from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import PartnerCompanyFactory, StaffUserFactory, UserFactory


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    where = (
        database["NAME"] if database["ENGINE"].endswith("sqlite3") else f"{database.get('HOST')}:{database.get('PORT')}"
    )
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where})",
        f"celery broker: {settings.CELERY_BROKER_URL}",
    ]


@pytest.fixture
def partner(db):
    return PartnerCompanyFactory(name="Sakura Cloud K.K.")


@pytest.fixture
def other_partner(db):
    return PartnerCompanyFactory(name="Outsider Systems Ltd.")


@pytest.fixture
def owner(partner):
    return UserFactory(username="owner", partner=partner, role="admin")


@pytest.fixture
def teammate(partner):
    return UserFactory(username="teammate", partner=partner)


@pytest.fixture
def outsider(other_partner):
    return UserFactory(username="outsider", partner=other_partner)


@pytest.fixture
def operator(db):
    return StaffUserFactory(username="operator", email="operator@portal.example")
