from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from profiles.forms import OutboxPasswordResetForm
from referrals import customer_views, insight_views
from referrals import views as referral_views

urlpatterns = [
    path("", referral_views.home, name="home"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("referrals/", include("referrals.urls")),
    path("partners/", include("profiles.urls")),
    path("insights/", insight_views.partner_insights, name="insights"),
    path("requests/new/", customer_views.new_rfi, name="rfi_new"),
    path("requests/<str:token>/", customer_views.rfi_status, name="rfi_status"),
    path("requests/<str:token>/withdraw/", customer_views.withdraw, name="rfi_withdraw"),
    path("admin/", admin.site.urls),
]
