"""What canteen holds of a rider, for their export and account closure
(core/personal_data.py; registered in CanteenConfig.ready()).

Meal orders carry the government's, the platform's and the merchant's parts of a subsidised
meal: the accounting of a subsidy. Closure keeps them with the rider pseudonymised. An order to
pick up blocks closure (riders/obligations.py).
"""

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, register, rows_of

from .models import MealOrder

S = MealOrder.Status


def order_to_pick_up(rider) -> str | None:
    if MealOrder.objects.filter(rider=rider, status__in=[S.PLACED, S.READY]).exists():
        return _g("You have a canteen order to pick up; pick it up or cancel it first.")
    return None


def register_holdings() -> None:
    register(
        Holding(
            name="canteen.orders",
            label=_("Your canteen orders"),
            export=lambda rider: rows_of(
                MealOrder.objects.filter(rider=rider).order_by("created_at", "id"),
                "service_date",
                "status",
                "payment",
                "subsidised",
                "list_price",
                "government_part",
                "platform_part",
                "merchant_part",
                "rider_price",
                "created_at",
                "ready_at",
                "collected_at",
                canteen="canteen__name",
                set_meal="set_meal__name",
            ),
            kept=_(
                "Kept without your name: the accounting of the meal subsidy (who paid which "
                "part of each meal)."
            ),
        )
    )
    from riders.obligations import register_closure

    register_closure("canteen.order_to_pick_up", order_to_pick_up)
