from django.urls import path

from . import house_views, team_views

app_name = "profiles"
urlpatterns = [
    path("business/", house_views.business_page, name="business"),
    path("business/profiles/<int:pk>/", house_views.profile_page, name="profile"),
    path("business/profiles/<int:pk>/locations/new/", house_views.new_location_page, name="new_location"),
    path("business/locations/<int:pk>/", house_views.location_page, name="location"),
    path("team/", team_views.team_page, name="team"),
    path("team/<int:pk>/", team_views.member_page, name="member"),
    path("team/invitations/<int:pk>/withdraw/", team_views.withdraw_invitation, name="withdraw_invitation"),
    path("changes/", team_views.changes_page, name="changes"),
    path("invitations/<str:token>/", team_views.accept_invitation, name="accept_invitation"),
]
