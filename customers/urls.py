from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.partner_search, name="search"),
    path("<int:pk>/", views.partner_profile, name="profile"),
    path("<int:pk>/preview/", views.partner_preview, name="preview"),
]
