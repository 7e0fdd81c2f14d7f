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


def users_for(level: int) -> dict[str, int]:
    """Locust users per class: each runs one visit (poll, refresh) per pacing period."""
    visits = VISITS_PER_SECOND * level
    return {
        "rider": round(visits * (1 - SIGN_IN_SHARE) * VISIT_SECONDS),
        "sign_in": max(1, round(visits * SIGN_IN_SHARE * SIGN_IN_SECONDS)),
        "department": round(API_LISTS_PER_SECOND * level * API_POLL_SECONDS),
        "counter": COUNTERS,
    }


def counter_seconds(level: int) -> float:
    return COUNTER_SECONDS / level
