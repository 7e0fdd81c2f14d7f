"""Staff roles from docs/product.md, as Django groups, and what each role may do.

Each app declares its roles' permissions on its own models on its AppConfig, as
`role_permissions = {CENTRE_ADMIN: ALL, DISPATCHER: ("view_report", "change_report")}`: a
role's name, then ALL or the codenames of permissions of that app's models (Meta.permissions
included). After every `migrate` (and every flush), `role_permissions_grant` gives them, one app
at a time, right after Django has created that app's permissions. It only adds: a permission
taken away from a role needs a data migration that removes it.
"""

from collections.abc import Mapping, Sequence

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, router

DISPATCHER = "Dispatcher"
APARTMENT_MANAGER = "Apartment manager"
CANTEEN_OPERATOR = "Canteen operator"
SUBSIDY_REVIEWER = "Subsidy reviewer"
CENTRE_ADMIN = "Centre admin"
# The deployment's operator: what a centre admin may do, in every city (core/tenancy.py).
NATIONAL_ADMIN = "National admin"

STAFF_ROLES = (
    DISPATCHER,
    APARTMENT_MANAGER,
    CANTEEN_OPERATOR,
    SUBSIDY_REVIEWER,
    CENTRE_ADMIN,
    NATIONAL_ADMIN,
)

# A role granted everything another role is, so no app has to declare it again.
ROLE_INCLUDES = {NATIONAL_ADMIN: CENTRE_ADMIN}

ALL = "__all__"  # every permission of every model of the declaring app, today's and future ones

RolePermissions = Mapping[str, str | Sequence[str]]

# Apps we do not write cannot declare on their AppConfig; core declares for them.
THIRD_PARTY_ROLE_PERMISSIONS: dict[str, RolePermissions] = {
    "auditlog": {CENTRE_ADMIN: ("view_logentry",)},
}


def sees_everything(user) -> bool:
    """Superusers, national and centre admins see every apartment, canteen, … (of their city:
    core/tenancy.py narrows it); other staff their own."""
    return user.is_superuser or user.groups.filter(name__in=(CENTRE_ADMIN, NATIONAL_ADMIN)).exists()


def _declared(app_config: AppConfig) -> RolePermissions:
    return getattr(app_config, "role_permissions", None) or THIRD_PARTY_ROLE_PERMISSIONS.get(
        app_config.label, {}
    )


def _permissions_of(app_config: AppConfig) -> dict[str, str]:
    """codename → model name, for the app's models as the code has them now."""
    permissions: dict[str, str] = {}
    for model in app_config.get_models():
        opts = model._meta
        for action in opts.default_permissions:
            permissions[get_permission_codename(action, opts)] = opts.model_name or ""
        for codename, _name in opts.permissions:
            permissions[codename] = opts.model_name or ""
    return permissions


def role_permissions_grant(
    *, app_config: AppConfig, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Give each role what `app_config` declares for it; safe to run any number of times.

    A declared role or codename that does not exist is a mistake in the code and stops the
    migration. A permission not in the database yet (a migration run only part of the way) is
    left for the next migrate.
    """
    declared = dict(_declared(app_config))
    for role, included in ROLE_INCLUDES.items():
        if included in declared:
            own, theirs = declared.get(role, ()), declared[included]
            if ALL in (own, theirs):
                declared[role] = ALL
            else:
                own = (own,) if isinstance(own, str) else tuple(own)
                theirs = (theirs,) if isinstance(theirs, str) else tuple(theirs)
                declared[role] = (*theirs, *own)
    if not declared:
        return
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    if not router.allow_migrate_model(using, Permission):
        return
    known = _permissions_of(app_config)
    wanted: dict[str, set[str]] = {}
    for role, codenames in declared.items():
        if role not in STAFF_ROLES:
            raise ImproperlyConfigured(
                f"{app_config.label}.role_permissions: {role!r} is not a role in core.roles"
            )
        if isinstance(codenames, str) and codenames != ALL:
            codenames = (codenames,)
        wanted[role] = set(known) if codenames == ALL else set(codenames)
        if wanted[role] - set(known):
            raise ImproperlyConfigured(
                f"{app_config.label}.role_permissions: no model of {app_config.label} has "
                f"{sorted(wanted[role] - set(known))} (for {role})"
            )
    in_database = {
        codename: pk
        for codename, model, pk in Permission.objects.using(using)
        .filter(content_type__app_label=app_config.label, codename__in=known)
        .values_list("codename", "content_type__model", "pk")
        if known[codename] == model  # not a leftover of a model since removed
    }
    for role, chosen in wanted.items():
        # Groups are created here too, so that a flushed test database gets them back (on a
        # real one core/migrations/0002 created them).
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*(in_database[c] for c in chosen if c in in_database))


def grant_after_migrate(
    sender: AppConfig, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs: object
) -> None:
    """post_migrate receiver, connected after django.contrib.auth's create_permissions, so the
    sender's permissions exist when it runs."""
    role_permissions_grant(app_config=sender, apps=apps, using=using)
