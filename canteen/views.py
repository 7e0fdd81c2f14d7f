"""Rider pages for canteens (menu, order, my orders) and the counter's fast pick-up page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.responses import file_response
from riders.permissions import rider_required

from . import selectors, services
from .forms import NearForm, OrderForm, PickupCodeForm
from .models import MealOrder, SetMeal


@rider_required
@require_GET
def canteen_list(request):
    """The signed-in rider: canteens nearest first (from the phone's position, else the
    centre of the rider's district, and the page says which), their set meals, who pays what,
    portions left today, and when meals are picked up."""
    now = timezone.now()
    today = timezone.localdate(now)
    near_form = NearForm(request.GET)
    position = near_form.position()
    bad_position = not near_form.is_valid()
    if position is None:
        district = request.rider.district
        near = (district.latitude, district.longitude)
    else:
        near = position
    canteens = selectors.canteens_with_menu(
        today=today, near=near, city_id=request.rider.district.city_id
    )
    return render(
        request,
        "canteen/canteen_list.html",
        {
            "canteens": [
                (canteen, selectors.pickup_window(canteen=canteen, now=now)) for canteen in canteens
            ],
            "from_phone": position is not None,
            # The map's blue dot: only where the phone said the rider is.
            "here": position,
            "near": near,
            "bad_position": bad_position,
            "subsidised_left": selectors.subsidised_meals_left(rider=request.rider, today=today),
            "nav": "services",
        },
    )


@rider_required
@require_http_methods(["GET", "POST"])
def meal_order(request, pk: int):
    """The signed-in rider: confirm the price split, then order a set meal for pick-up today."""
    today = timezone.localdate()
    meal = selectors.meal_for_order(pk=pk, city_id=request.rider.district.city_id)
    if meal is None:
        raise Http404
    form = OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.meal_order_place(
                rider=request.rider, set_meal_id=meal.pk, payment=form.cleaned_data["payment"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            window = selectors.pickup_window(canteen=meal.canteen)
            if window.is_open:
                text = _("Ordered! Your pick-up code is %(code)s.")
            else:
                text = _("Ordered! Your pick-up code is %(code)s. Pick it up from %(opens)s.")
            messages.success(
                request, text % {"code": order.pickup_code, "opens": f"{window.opens:%H:%M}"}
            )
            return redirect("canteen:orders")
    subsidised_left = selectors.subsidised_meals_left(rider=request.rider, today=today)
    return render(
        request,
        "canteen/meal_order.html",
        {
            "meal": meal,
            "form": form,
            "subsidised_left": subsidised_left,
            # Outside opening hours the rider sees when the meal is picked up (or that the
            # canteen takes orders again tomorrow) before ordering.
            "window": selectors.pickup_window(canteen=meal.canteen),
            "nav": "services",
        },
    )


@rider_required
@require_GET
def order_list(request):
    """The signed-in rider: their own orders with the pick-up codes, newest first, a page at a
    time; each order's price split folded away (a <details>, no script)."""
    page = Paginator(
        selectors.orders_for_rider(rider=request.rider), selectors.ORDERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "canteen/order_list.html",
        {"page": page, "today": timezone.localdate(), "nav": "services"},
    )


@rider_required
@require_POST
def order_cancel(request, pk: int):
    """The signed-in rider cancels their own order (another rider's is 404)."""
    order = get_object_or_404(MealOrder, pk=pk, rider=request.rider)
    try:
        services.meal_order_cancel(order=order, rider=request.rider)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your order is cancelled."))
    return redirect("canteen:orders")


@require_GET
def meal_picture(request, pk: int):
    """Anyone: a set meal's picture (menus are not secret)."""
    return file_response(get_object_or_404(SetMeal, pk=pk).picture, public=True, max_age=86400)


@login_required
@require_http_methods(["GET", "POST"])
def counter(request, canteen_id: int):
    """Staff of this canteen (or centre admins): type or scan a code, hand the meal over."""
    canteen = selectors.canteens_run_by(request.user).filter(pk=canteen_id).first()
    if canteen is None:
        raise PermissionDenied
    form = PickupCodeForm(request.POST or None)
    collected = None
    if request.method == "POST" and form.is_valid():
        try:
            collected = services.meal_order_collect(
                canteen=canteen, code=form.cleaned_data["code"], by=request.user
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            form = PickupCodeForm()
    return render(
        request,
        "canteen/counter.html",
        {
            "canteen": canteen,
            "form": form,
            "collected": collected,
            "open_orders": selectors.counter_orders(canteen=canteen, today=timezone.localdate()),
        },
    )
