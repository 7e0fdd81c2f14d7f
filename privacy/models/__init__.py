"""privacy's models, one module per concern: the notice and consents (notice.py), the
retention runs (retention.py)."""

from .notice import *  # noqa: F403
from .retention import *  # noqa: F403
