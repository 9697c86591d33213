"""``/dev/mail/``: included by referrals_portal.urls with DEBUG on only (devtools.mail_views)."""

from django.urls import path

from devtools import mail_views

app_name = "dev_mail"
urlpatterns = [
    path("", mail_views.mail_list, name="list"),
    path("<str:name>/", mail_views.mail_message, name="message"),
    path("raw/<str:name>", mail_views.mail_raw, name="raw"),  # ends with the file's name
]
