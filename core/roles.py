"""Staff roles from PRODUCT.md, as Django groups (created by core/migrations/0002)."""

DISPATCHER = "Dispatcher"
APARTMENT_MANAGER = "Apartment manager"
CANTEEN_OPERATOR = "Canteen operator"
SUBSIDY_REVIEWER = "Subsidy reviewer"
CENTRE_ADMIN = "Centre admin"

STAFF_ROLES = (DISPATCHER, APARTMENT_MANAGER, CANTEEN_OPERATOR, SUBSIDY_REVIEWER, CENTRE_ADMIN)
