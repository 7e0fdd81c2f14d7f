"""One way for admin actions to apply a service to each selected row."""

from django.contrib import messages

from .errors import DomainError


def run_each(modeladmin, request, items, action, success: str, label=str) -> int:
    """Call `action(item)` for each item; report how many succeeded (`success % {"count": n}`)
    and each refusal with the item's label and the service's message. Returns the count."""
    done, failed = 0, []
    for item in items:
        try:
            action(item)
        except DomainError as error:
            failed.append(f"{label(item)}: {error.message}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, success % {"count": done}, messages.SUCCESS)
    for failure in failed:
        modeladmin.message_user(request, failure, messages.ERROR)
    return done
