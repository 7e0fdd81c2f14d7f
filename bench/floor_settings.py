"""The project's settings plus the bare-Django floor views (bench/floor_urls.py), for
bench/api_floor.py only: production never loads this module.

BENCH_THROTTLE=off also drops the API's rate limiter, to measure what the throttle costs.
"""

import os

from riders_portal.settings import *  # noqa: F403 (the same settings, every one of them)
from riders_portal.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.floor_urls"

if os.environ.get("BENCH_THROTTLE") == "off":
    REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
