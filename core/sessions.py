"""Sessions in the database, as Django's database backend keeps them, read with a prepared
statement (core/prepared.py).

Every signed-in page loads its session first: building that query with the ORM was a sizeable
part of a cheap page's cost (bench/lunch_peak.py). The rows, their expiry and everything else
stay Django's; only the read is prepared. The database stays where sessions live, so a Redis
outage signs nobody out (docs/decisions.md)."""

import datetime as dt

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from .prepared import Prepared

_SESSION_DATA = Prepared(
    lambda _shape, key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values(
        "session_data"
    ),
    key=str,
    now=dt.datetime,
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = _SESSION_DATA.rows(key=self.session_key, now=timezone.now())
        if not rows:
            self._session_key = None
            return None
        return Session(session_key=self.session_key, session_data=rows[0]["session_data"])
