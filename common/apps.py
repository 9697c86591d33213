from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Helpers every app may use, at the bottom of the house: it imports none of the portal's
    apps (import-linter checks it)."""

    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from . import sessions  # noqa: F401 - connects the sign-in receiver
