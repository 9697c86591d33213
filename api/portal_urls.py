from django.urls import path

from . import pages

app_name = "api_keys"
urlpatterns = [
    path("api-keys/", pages.keys_page, name="list"),
    path("api-keys/<int:pk>/revoke/", pages.revoke_key, name="revoke"),
]
