from django import template
from django.utils.crypto import salted_hmac

register = template.Library()


@register.simple_tag(takes_context=True)
def sw_who(context) -> str:
    """Who this page was rendered for, as the service worker sees it: an opaque tag per user
    ("" when nobody is signed in). When it changes (a shared phone, a session that ran out) the
    worker drops the pages it kept, so nobody opens another rider's pages offline."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("core.pwa.who", str(user.pk)).hexdigest()[:16]
