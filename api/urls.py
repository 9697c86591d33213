from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
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
