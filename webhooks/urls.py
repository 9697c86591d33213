from django.urls import path

from . import pages

app_name = "webhooks"
urlpatterns = [
    path("webhooks/", pages.endpoints_page, name="list"),
    path("webhooks/<int:pk>/", pages.endpoint_page, name="endpoint"),
    path("webhooks/<int:pk>/ping/", pages.ping, name="ping"),
    path("webhooks/<int:pk>/secret/", pages.new_secret, name="new_secret"),
    path("webhooks/<int:pk>/delete/", pages.delete, name="delete"),
    path("webhooks/<int:pk>/deliveries/<int:delivery>/send-again/", pages.send_again, name="send_again"),
]
