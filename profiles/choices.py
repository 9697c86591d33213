"""The vocabularies that profiles, RFIs and matching share, with English and Japanese labels."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    JAPAN = "JP", _("Japan")
    UNITED_STATES = "US", _("United States")
    UNITED_KINGDOM = "GB", _("United Kingdom")
    GERMANY = "DE", _("Germany")
    FRANCE = "FR", _("France")
    SINGAPORE = "SG", _("Singapore")
    AUSTRALIA = "AU", _("Australia")
    INDIA = "IN", _("India")
    CANADA = "CA", _("Canada")


class SolutionArea(models.TextChoices):
    CLOUD_INFRASTRUCTURE = "cloud_infrastructure", _("Cloud infrastructure")
    DATA_AI = "data_ai", _("Data and AI")
    SECURITY = "security", _("Security")
    MODERN_WORK = "modern_work", _("Modern work")
    BUSINESS_APPLICATIONS = "business_applications", _("Business applications")
    APP_DEVELOPMENT = "app_development", _("Application development")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail")
    FINANCE = "finance", _("Financial services")
    HEALTHCARE = "healthcare", _("Healthcare")
    PUBLIC_SECTOR = "public_sector", _("Public sector")
    EDUCATION = "education", _("Education")
    MEDIA = "media", _("Media and communications")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    SMALL = "small", _("1–49 employees")
    MEDIUM = "medium", _("50–249 employees")
    LARGE = "large", _("250–999 employees")
    ENTERPRISE = "enterprise", _("1,000+ employees")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    JAPANESE = "ja", _("Japanese")


class Currency(models.TextChoices):
    JPY = "JPY", _("Japanese yen (JPY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    GBP = "GBP", _("British pound (GBP)")
    SGD = "SGD", _("Singapore dollar (SGD)")
    AUD = "AUD", _("Australian dollar (AUD)")
    INR = "INR", _("Indian rupee (INR)")
    CAD = "CAD", _("Canadian dollar (CAD)")


@deconstructible
class ChoiceListValidator:
    """Validates a JSON list that may only hold codes of ``choices``, each once."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.choices = choices

    def __call__(self, value: object) -> None:
        if not isinstance(value, list):
            raise ValidationError(_("Choose from the list."), code="invalid")
        unknown = [item for item in value if item not in self.choices.values]
        if unknown:
            raise ValidationError(
                _("Unknown choice: %(value)s."), code="invalid_choice", params={"value": ", ".join(map(str, unknown))}
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("Each choice may appear only once."), code="duplicate")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices is self.choices


def labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    """The labels of ``codes``, in the active language, skipping codes no longer offered."""
    names = dict(choices.choices)
    return [str(names[code]) for code in codes if code in names]
