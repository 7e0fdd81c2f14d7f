"""The Qingdao lunch peak as rates, and the locust users that produce them at a level (1 = the
estimated peak, 10 = ten times it). The reasoning is in docs/benchmarks.md, "Lunch peak, whole
stack"; the figures here are the ones it derives.

41,000 active riders; 20 % open the portal on a day (8,200); 35 % of those visits fall in the
lunch hour (2,870 visits); the busiest minute runs at twice the hour's mean: 1.6 visits/s. Of
the visits 5 % start with a code sign-in; 25 % order a canteen meal, 30 % look for help nearby,
3 % file a report with a photo. 120 departments' systems poll the API once a minute: 2 lists/s.
Every order is collected at one of the 20 canteens' counters.
"""

VISITS_PER_SECOND = 1.6
VISIT_SECONDS = 20  # one rider's visit: Home, then what they came for, reading in between
SIGN_IN_SHARE = 0.05
SIGN_IN_SECONDS = 30
API_LISTS_PER_SECOND = 2.0
API_POLL_SECONDS = 6
COUNTERS = 20
COUNTER_SECONDS = 10  # a counter's screen refreshes (and hands over what waits) at the peak

# What a visit is for, by weight (per 100 visits).
VISIT_MIX = {"canteen": 25, "nearby": 30, "my_reports": 15, "file_report": 3, "me": 27}


# Each simulated user plays this many phones (or department systems), one visit after another:
# the same arrivals per second from fewer locust users. Locust's own latency grows with the
# users it runs in one process: Home alone at the same ~100 requests/s and the same server CPU
# measured p50 15 ms from 20 users and 270 ms from 300 (docs/benchmarks.md, "Lunch peak").
PHONES_PER_USER = 8


def _users_and_pacing(rate: float, period: float) -> tuple[int, float]:
    """Locust users and their pacing for `rate` arrivals a second, where one phone would
    come once per `period`."""
    users = max(1, round(rate * period / PHONES_PER_USER))
    return users, users / rate


def plan_for(level: int) -> dict[str, tuple[int, float]]:
    """Per locust user class: how many users, and the seconds between each one's visits."""
    visits = VISITS_PER_SECOND * level
    return {
        "rider": _users_and_pacing(visits * (1 - SIGN_IN_SHARE), VISIT_SECONDS),
        "sign_in": _users_and_pacing(visits * SIGN_IN_SHARE, SIGN_IN_SECONDS),
        "department": _users_and_pacing(API_LISTS_PER_SECOND * level, API_POLL_SECONDS),
        "counter": (COUNTERS, counter_seconds(level)),
    }


def users_for(level: int) -> dict[str, int]:
    """Locust users per class: each runs one visit (poll, refresh) per pacing period."""
    return {kind: users for kind, (users, _pacing) in plan_for(level).items()}


def phones_for(level: int) -> int:
    """Signed-in phones the riders' visits rotate through (a session each)."""
    return round(VISITS_PER_SECOND * level * (1 - SIGN_IN_SHARE) * VISIT_SECONDS)


def counter_seconds(level: int) -> float:
    return COUNTER_SECONDS / level
