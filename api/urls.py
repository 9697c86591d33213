from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets style attributes from its scripts: this page alone allows inline styles
    # (never inline scripts; everything it loads is the portal's own, from the sidecar).
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("me/", views.Me.as_view(), name="me"),
    path("referrals/", views.ReferralList.as_view(), name="referrals"),
    path("referrals/<int:pk>/", views.ReferralDetail.as_view(), name="referral"),
    path("referrals/<int:pk>/timeline/", views.ReferralTimeline.as_view(), name="timeline"),
    *[
        path(f"referrals/<int:pk>/{name}/", view.as_view(), name=f"action-{name}")
        for name, view in views.ACTION_VIEWS.items()
    ],
    path("events/", views.EventFeed.as_view(), name="events"),
    re_path(r"^.*$", views.not_found, name="not_found"),
]
