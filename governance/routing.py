"""What routing reads for every report, kept by each process (core/memo.py): the rules, which
city each district is in, and how each city runs each category (issue 19).

Routing is a hot path (docs/benchmarks.md): the table is built once per memo period with four
queries and answers every report with dictionary look-ups. A category-wide rule covers the
districts of its own city only, so a report never reaches another city's department.
"""

from dataclasses import dataclass
from decimal import Decimal

from core.memo import ProcessMemo
from core.models import City

from .models import Category, CityCategory, Department, District, RoutingRule


@dataclass(frozen=True)
class RoutingTable:
    # (category, district) → department: the district's rule, else the category-wide rule of
    # the district's city.
    departments: dict[tuple[int, int], Department]
    district_city: dict[int, int]
    # (city, category) → the city's settings for the category; absent: the category as it is.
    city_categories: dict[tuple[int, int], CityCategory]
    # Open311 jurisdiction_id → city (open311/), and how many cities the deployment serves.
    jurisdictions: dict[str, int]
    city_count: int

    def department_for(self, *, category_id: int, district_id: int) -> Department | None:
        return self.departments.get((category_id, district_id))

    def city_of(self, district_id: int) -> int | None:
        return self.district_city.get(district_id)

    def city_category(self, *, category_id: int, district_id: int) -> CityCategory | None:
        city_id = self.district_city.get(district_id)
        if city_id is None:
            return None
        return self.city_categories.get((city_id, category_id))

    def disabled_in(self, city_id: int) -> frozenset[int]:
        """The categories a city does not offer."""
        return frozenset(
            category_id
            for (city, category_id), row in self.city_categories.items()
            if city == city_id and not row.is_enabled
        )


def _load() -> RoutingTable:
    district_city = dict(District.objects.values_list("pk", "city_id"))
    departments: dict[tuple[int, int], Department] = {}
    city_wide: list[RoutingRule] = []
    rules = RoutingRule.objects.filter(department__is_active=True).select_related("department")
    for rule in rules:
        if rule.department.city_id != rule.city_id:
            continue  # a rule that would cross cities routes nothing (RoutingRule.city_check)
        if rule.district_id is None:
            city_wide.append(rule)
        elif district_city.get(rule.district_id) == rule.city_id:
            departments[(rule.category_id, rule.district_id)] = rule.department
    for rule in city_wide:
        for district_id, city_id in district_city.items():
            if city_id == rule.city_id:
                departments.setdefault((rule.category_id, district_id), rule.department)
    city_categories = {(row.city_id, row.category_id): row for row in CityCategory.objects.all()}
    cities = list(City.objects.values_list("pk", "jurisdiction_id"))
    return RoutingTable(
        departments=departments,
        district_city=district_city,
        city_categories=city_categories,
        jurisdictions={code: pk for pk, code in cities if code},
        city_count=len(cities),
    )


# Rules change rarely and are read for every report: each process keeps them for a short while
# (saving a rule, a department, a district or a city's category clears this process's copy at
# once; others follow within 30 s).
_memo = ProcessMemo(_load, ttl_seconds=30)
forget = _memo.forget


def table() -> RoutingTable:
    return _memo.get()


def closure_hours(category: Category, district_id: int) -> int:
    """The normal-priority deadline of the category in the district's city."""
    row = table().city_category(category_id=category.pk, district_id=district_id)
    return (row.closure_hours if row is not None else None) or category.closure_hours


def hours_for(category: Category, priority: int, district_id: int) -> int:
    """Category.hours_for with the city's own deadline for the category, if it has one."""
    row = table().city_category(category_id=category.pk, district_id=district_id)
    return category.hours_for(priority, closure_hours=row.closure_hours if row else None)


def rewards_for(category: Category, district_id: int) -> tuple[Decimal, int]:
    """(cash, points) a validated report of the category earns in the district's city."""
    row = table().city_category(category_id=category.pk, district_id=district_id)
    cash = category.cash_reward
    points = category.points_reward
    if row is not None:
        cash = row.cash_reward if row.cash_reward is not None else cash
        points = row.points_reward if row.points_reward is not None else points
    return cash, points


def category_offered(category_id: int, city_id: int | None) -> bool:
    """Whether the city offers the category (no row: yes)."""
    if city_id is None:
        return True
    row = table().city_categories.get((city_id, category_id))
    return row is None or row.is_enabled
