"""Helpers for admin-action tests."""


def offered_actions(changelist_response) -> list[str]:
    """The actions the changelist offers this user (none at all: no action bar)."""
    form = changelist_response.context["action_form"]
    return [] if form is None else [name for name, _label in form.fields["action"].choices]
