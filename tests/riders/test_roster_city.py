"""The roster names the city (issue 19): a city column or the import's city; districts are
looked up in that city only; an unknown city, another city's district or rider is a bad row;
staff of one city import into their own city only."""

import pytest
from django.core.management import call_command

from core.models import District
from core.roles import CENTRE_ADMIN
from riders.models import Rider
from riders.roster import roster_import
from tests.cities import jinan_rider, national_admin, staff
from tests.factories import jinan, qingdao

pytestmark = pytest.mark.django_db
HEADER = "rider_number,name,phone,district,station,join_date,tier,city"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def same_name_in_both():
    """Jinan's 市中区, and (invented) a Qingdao district of the same name."""
    jinan()
    return District.objects.create(
        city=qingdao(), code="qd-shizhong", name="市中区", latitude="36.07", longitude="120.38"
    )


def test_the_city_column_picks_the_district_of_that_city(same_name_in_both):
    report = roster_import(
        data=csv(
            "JN1,韩一,13910000001,市中区,站,2024-01-02,regular,jinan",
            "QD1,王二,13910000002,市中区,站,2024-01-02,regular,青岛市",
            "XX1,李三,13910000003,市中区,站,2024-01-02,regular,天津",
            "JN2,赵四,13910000004,李沧区,站,2024-01-02,regular,济南",
            "JN3,钱五,13910000005,历下区,站,2024-01-02,regular,",
        )
    )
    assert Rider.objects.get(rider_number="JN1").district == jinan("shizhong")
    assert Rider.objects.get(rider_number="QD1").district == same_name_in_both
    reasons = {bad.rider_number: bad.reason for bad in report.bad_rows}
    assert set(reasons) == {"XX1", "JN2", "JN3"}
    assert "天津" in reasons["XX1"]  # unknown city
    assert "李沧区" in reasons["JN2"]  # a district of another city
    assert report.created == 2


def test_the_city_option_and_a_row_of_another_city(tmp_path):
    jinan()
    path = tmp_path / "roster.csv"
    path.write_bytes(
        csv(
            "JN1,韩一,13910000001,历下区,站,2024-01-02,regular,",
            "QD1,王二,13910000002,李沧区,站,2024-01-02,regular,qingdao",
        )
    )
    from io import StringIO

    out = StringIO()
    call_command("import_riders", str(path), "--city", "jinan", "--no-progress", stdout=out)
    assert "1 created" in out.getvalue() and "1 bad" in out.getvalue()
    assert Rider.objects.get(rider_number="JN1").district == jinan("lixia")


def test_a_city_admin_imports_into_their_city_only():
    jinan()
    report = roster_import(
        data=csv(
            "QD1,王二,13910000002,李沧区,站,2024-01-02,regular,",
            "JN1,韩一,13910000001,历下区,站,2024-01-02,regular,jinan",
        ),
        by=staff(CENTRE_ADMIN, qingdao()),
    )
    assert report.created == 1 and [bad.rider_number for bad in report.bad_rows] == ["JN1"]
    national = roster_import(
        data=csv("JN1,韩一,13910000001,历下区,站,2024-01-02,regular,jinan"), by=national_admin()
    )
    assert national.created == 1


def test_a_rider_of_another_city_is_not_moved_by_the_roster():
    rider = jinan_rider()
    report = roster_import(
        data=csv(f"{rider.rider_number},{rider.name},{rider.phone},李沧区,站,2024-01-01,regular,")
    )
    assert [bad.rider_number for bad in report.bad_rows] == [rider.rider_number]
    rider.refresh_from_db()
    assert rider.district == jinan("lixia")
