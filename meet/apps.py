from django.apps import AppConfig


class MeetConfig(AppConfig):
    name = "meet"
