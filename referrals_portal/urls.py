from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from customers import views as customer_views
from profiles import account_views
from profiles import language as account_language
from referrals import insight_views
from referrals import views as referral_views

urlpatterns = [
    path("", referral_views.home, name="home"),
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", account_language.set_language, name="set_language"),  # the account follows
    path("referrals/", include("referrals.urls")),
    path("partners/", include("customers.urls")),
    path("insights/", insight_views.partner_insights, name="insights"),
    path("requests/new/", customer_views.new_rfi, name="rfi_new"),
    path("requests/sent/", customer_views.rfi_sent, name="rfi_sent"),
    path("requests/<str:token>/", customer_views.rfi_status, name="rfi_status"),
    path("requests/<str:token>/withdraw/", customer_views.withdraw, name="rfi_withdraw"),
    path("requests/<str:token>/another/<int:location>/", customer_views.send_to_another, name="rfi_another"),
    path("account/", include("profiles.urls")),
    path("account/", include("api.portal_urls")),
    path("account/", include("webhooks.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # The local mail folder in the browser (devtools.mail_views), on a developer's machine only:
    # with DEBUG off it is not routed, and nothing imports devtools.
    urlpatterns.append(path("dev/mail/", include("devtools.mail_urls")))
