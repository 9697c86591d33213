from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("export.csv", views.export_csv, name="export"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
