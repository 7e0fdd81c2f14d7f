from django.conf import settings


def portal(request) -> dict:
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "current_rider": getattr(request.user, "rider", None)
        if getattr(request, "user", None) and request.user.is_authenticated
        else None,
    }
