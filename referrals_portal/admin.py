"""The operators' admin site: Django's, with two rules for every model admin registered on it,
django-axes' included:

- a list action that declares no permission needs the change permission (Django offers such
  an action to anyone who may view the list: staff who may only view could erase or clean up);
- change lists answer impossible filters as Django answers wrong ones (a redirect to the list
  with an error flag), not with a server error."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class SafeChangeList(ChangeList):
    def get_filters(self, request):
        # Django's date hierarchy turns ?received_at__year=… into datetimes and catches only
        # ValueError; a huge year overflows, year 9999 has no next year.
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class PortalModelAdminMixin(admin.ModelAdmin):
    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def _filter_actions_by_permissions(self, request, actions):
        # Django's own hook for this (private, so not in django-stubs).
        actions = super()._filter_actions_by_permissions(request, actions)  # type: ignore[misc]
        if self.has_change_permission(request):
            return actions
        return [action for action in actions if getattr(action[0], "allowed_permissions", ())]


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, PortalModelAdminMixin):
            admin_class = type(admin_class.__name__, (PortalModelAdminMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)


class PortalAdminConfig(AdminConfig):
    default_site = "referrals_portal.admin.PortalAdminSite"
