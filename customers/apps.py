from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """What customers meet: partner search and the partners' public pages, the request form, and
    the private status page of a request. It reads the partners' profiles and records
    (``profiles``, ``referrals``) and changes referrals only through ``referrals``' actions."""

    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from referrals import emails

        from . import matching

        # The "choose another partner" email proposes partners found by partner search.
        emails.suggest_partners_with(matching.suggestions)
