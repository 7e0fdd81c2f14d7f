"""Roster import from the platform's CSV export."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from riders.models import Rider, TierPeriod
from riders.roster import RosterRejected, roster_import
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db
HEADER = "rider_number,name,phone,district,station,join_date,tier"


def csv(*rows: str, bom: bool = False) -> bytes:
    text = "\n".join([HEADER, *rows]) + "\n"
    return ("\ufeff" + text if bom else text).encode("utf-8")


GOOD = [
    "QD300001,张一,13912340001,李沧区,李沧站,2024-01-02,regular",
    "QD300002,王二,13912340002,市南区,五四广场站,2023-06-01,honour",
    "QD300003,赵三,13912340003,西海岸新区,长江路站,2022-02-02,captain",
]


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_new_riders_are_created_with_accounts_and_tier_history(bom):
    report = roster_import(data=csv(*GOOD, bom=bom))
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert not report.bad_rows
    captain = Rider.objects.get(rider_number="QD300003")
    assert captain.district.name == "黄岛区"  # by its alias 西海岸新区
    assert captain.user.username == "rider-QD300003" and not captain.user.has_usable_password()
    period = TierPeriod.objects.get(rider=captain)
    assert (period.tier, period.started_on, period.ended_on) == (
        "captain",
        dt.date(2022, 2, 2),
        None,
    )


def test_running_the_same_file_again_changes_nothing():
    roster_import(data=csv(*GOOD))
    before = list(Rider.objects.order_by("pk").values())
    report = roster_import(data=csv(*GOOD))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert list(Rider.objects.order_by("pk").values()) == before
    assert TierPeriod.objects.count() == 3


def test_changed_rows_are_updated_and_a_tier_change_writes_history():
    roster_import(data=csv(*GOOD))
    changed = GOOD[0].replace("张一", "张一一").replace("regular", "honour")
    report = roster_import(data=csv(changed, *GOOD[1:]))
    assert (report.updated, report.unchanged) == (1, 2)
    rider = Rider.objects.get(rider_number="QD300001")
    assert (rider.name, rider.tier) == ("张一一", "honour")
    periods = list(rider.tier_periods.order_by("started_on").values_list("tier", "ended_on"))
    assert periods == [("regular", timezone.localdate() - dt.timedelta(days=1)), ("honour", None)]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("QD 300009,名,13912340009,李沧区,站,2024-01-01,regular", "rider number"),
        ("QD300009,,13912340009,李沧区,站,2024-01-01,regular", "name"),
        ("QD300009,名,1234567,李沧区,站,2024-01-01,regular", "phone"),
        ("QD300009,名,13912340009,上海市,站,2024-01-01,regular", "unknown district"),
        ("QD300009,名,13912340009,李沧区,站,2024/01/01,regular", "join date"),
        ("QD300009,名,13912340009,李沧区,站,2999-01-01,regular", "future"),
        ("QD300009,名,13912340009,李沧区,站,2024-01-01,boss", "tier"),
    ],
)
def test_bad_rows_are_reported_with_line_and_reason_while_good_rows_import(row, reason):
    with translation.override("en"):
        report = roster_import(data=csv(GOOD[0], row, GOOD[1]))
    assert report.created == 2
    [bad] = report.bad_rows
    assert bad.line == 3 and reason in bad.reason
    assert not Rider.objects.filter(rider_number="QD300009").exists()


def test_duplicates_inside_the_file_and_phone_clashes_with_existing_riders():
    RiderFactory(rider_number="OLD1", phone="13912349999")
    with translation.override("en"):
        report = roster_import(
            data=csv(
                GOOD[0],
                GOOD[0].replace("张一", "又一个"),  # same rider number again
                "QD300010,新人,13912340001,李沧区,站,2024-01-01,regular",  # phone of line 2
                "QD300011,新人,13912349999,李沧区,站,2024-01-01,regular",  # phone of OLD1
            )
        )
    assert report.created == 1
    reasons = {bad.line: bad.reason for bad in report.bad_rows}
    assert set(reasons) == {3, 4, 5}
    assert "earlier in the file" in reasons[3] and "QD300001" in reasons[4]
    assert "OLD1" in reasons[5]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        ("名字,电话\n张,1\n".encode(), "header"),
        ("rider_number,name\n".encode("utf-16"), "UTF-8"),
    ],
    ids=["empty", "wrong-header", "not-utf8"],
)
def test_unusable_file_is_rejected_whole(data, message):
    with translation.override("en"), pytest.raises(RosterRejected) as rejected:
        roster_import(data=data)
    assert message in rejected.value.message
    assert not Rider.objects.exists()


def test_batches_commit_separately_and_report_all_rows():
    rows = [f"QD4{n:05d},骑手{n},1391235{n:04d},李沧区,站,2024-01-01,regular" for n in range(25)]
    report = roster_import(data=csv(*rows), batch_size=10)
    assert report.created == 25 and Rider.objects.count() == 25


def test_query_count_does_not_grow_with_the_rows_in_a_batch(django_assert_max_num_queries):
    for size in (20, 200):
        Rider.objects.all().delete()
        rows = [
            f"QD5{n:05d},骑手{n},1391236{n:04d},李沧区,站,2024-01-01,regular" for n in range(size)
        ]
        with django_assert_max_num_queries(12):
            assert roster_import(data=csv(*rows), batch_size=1000).created == size
        rows = [r.replace("regular", "honour") for r in rows]
        with django_assert_max_num_queries(14):
            assert roster_import(data=csv(*rows), batch_size=1000).updated == size


def test_management_command(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv(*GOOD, "BAD ROW,x,1,李沧区,站,2024-01-01,regular"))
    from io import StringIO

    out = StringIO()
    call_command("import_riders", str(path), "--no-progress", stdout=out)
    assert "3 created" in out.getvalue() and "1 bad" in out.getvalue()
    assert "line 5" in out.getvalue()
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_riders", str(empty), "--no-progress", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("import_riders", str(tmp_path / "missing.csv"), stdout=StringIO())
