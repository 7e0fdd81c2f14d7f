"""The language switch, the health check, and what makes the portal an installable app: the
service worker, its offline page and the favicon (the portal's pages are in portal/views.py)."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from . import pwa
from .cache import cache_failure_count
from .services import user_set_language


@require_POST
def language_switch(request):
    """Anyone: switch the portal language; a signed-in user keeps it as their preference."""
    response = set_language(request)
    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _cache_ok() -> bool:
    ping = getattr(cache, "ping", None)  # core.cache.FailOpenRedisCache: a real round trip
    if ping is not None:
        return ping()
    try:
        cache.set("healthz", "1", 5)
        return cache.get("healthz") == "1"
    except Exception:
        return False


def _broker_ok() -> bool:
    from riders_portal.celery import app

    if str(app.conf.broker_url).startswith("filesystem"):
        # The filesystem transport "connects" to anything; what matters is a writable queue.
        queue = Path(app.conf.broker_transport_options["data_folder_in"])
        return queue.is_dir() and os.access(queue, os.W_OK)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    """Anyone (load balancers, docker health checks): 503 only when the database is down.

    Without the database no page can be served, so the orchestrator should take this process
    out. Without the cache or the broker the portal still serves every page (the cache answers
    empty, queued work is swept up later), so that is 200 with status "degraded" and the list:
    restarting healthy web processes would not bring Redis back (docs/operations.md).
    """
    checks = {"database": _database_ok(), "cache": _cache_ok(), "broker": _broker_ok()}
    degraded = [name for name in ("cache", "broker") if not checks[name]]
    if not checks["database"]:
        status = "unavailable"
    elif degraded:
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {
            "status": status,
            **{k: "up" if v else "down" for k, v in checks.items()},
            "degraded": degraded,
            # Cache operations this process answered "as empty" because Redis was down.
            "cache_failures": cache_failure_count(),
        },
        status=503 if status == "unavailable" else 200,
    )


@require_GET
def service_worker(request):
    """Anyone: the service worker script, at the site's root so that its scope is the whole
    portal. no-cache: the browser asks every time whether it changed, so a deploy is seen on the
    next visit (the version inside names the caches; core/pwa.py)."""
    script = render_to_string(
        pwa.SW_TEMPLATE,
        {
            "version": pwa.cache_version(),
            "shell_urls": json.dumps(pwa.shell_urls()),
            "offline_url": reverse("core:offline"),
        },
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache, max-age=0"
    return response


@require_GET
def offline(request):
    """Anyone: what the service worker shows for a page it has never seen while offline. It is
    kept at install, so it carries no flash messages and nothing about the rider."""
    return render(request, "offline.html")


@require_GET
@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request):
    """Anyone: browsers ask for /favicon.ico whatever the page says."""
    return HttpResponse(pwa.favicon_bytes(), content_type="image/x-icon")
