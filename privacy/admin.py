from . import admin_retention  # noqa: F401
