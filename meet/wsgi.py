"""The WSGI application (``meet.wsgi:application``), served by granian (bin/run) or any WSGI
server. With ``MEET_EMBEDDED_ROLES`` set, the process also runs Celery's worker and/or beat as
threads (meet/embedded.py): the single-node default of bin/run."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")
application = get_wsgi_application()

if settings.MEET_EMBEDDED_ROLES:
    from meet import embedded

    embedded.start(settings.MEET_EMBEDDED_ROLES)
