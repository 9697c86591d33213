from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = _("Partners and profiles")

    def ready(self) -> None:
        from . import (
            forms,  # noqa: F401 - registers the password-reset email, built at send time
            language,  # noqa: F401 - the account's language at sign-in
        )
