"""Staff roles from docs/product.md, as Django groups (created by core/migrations/0002)."""

DISPATCHER = "Dispatcher"
APARTMENT_MANAGER = "Apartment manager"
CANTEEN_OPERATOR = "Canteen operator"
SUBSIDY_REVIEWER = "Subsidy reviewer"
CENTRE_ADMIN = "Centre admin"

STAFF_ROLES = (DISPATCHER, APARTMENT_MANAGER, CANTEEN_OPERATOR, SUBSIDY_REVIEWER, CENTRE_ADMIN)


def sees_everything(user) -> bool:
    """Superusers and centre admins see every apartment, canteen, …; other staff their own."""
    return user.is_superuser or user.groups.filter(name=CENTRE_ADMIN).exists()
