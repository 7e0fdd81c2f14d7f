"""The centre's side: correction requests (apply through the riders service, audited; refuse
with an answer), account closure on a rider's request (a reason required, audited), each
city's staff seeing their city's only."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.models import Notification
from core.roles import CENTRE_ADMIN
from mydata import services
from mydata.models import AccountClosure
from riders.models import Rider
from tests.cities import jinan_rider, staff
from tests.factories import RiderFactory, jinan, qingdao

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:mydata_correctionrequest_changelist"


def ask(rider, field="station", value="新站"):
    return services.correction_request_create(rider=rider, field=field, requested_value=value)


def run_action(client, action, requests, answer=""):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [r.pk for r in requests], "answer": answer},
    )


def rider_log(rider):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Rider), object_id=rider.pk
    )


def test_applying_a_request_changes_the_profile_audited_and_tells_the_rider(client):
    rider = RiderFactory(station="旧站")
    request = ask(rider)
    admin = staff(CENTRE_ADMIN, qingdao())
    client.force_login(admin)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    response = run_action(client, "apply", [request])
    assert response.status_code == 302
    rider.refresh_from_db()
    request.refresh_from_db()
    assert rider.station == "新站"
    assert (request.status, request.handled_by) == ("done", admin)
    entry = rider_log(rider).get(action=LogEntry.Action.UPDATE, changes__has_key="station")
    assert entry.actor == admin and entry.changes["station"] == ["旧站", "新站"]
    assert entry.additional_data == {"correction_request": request.pk}
    assert Notification.objects.filter(recipient=rider.user, kind="mydata.correction_done")


def test_a_district_and_a_join_date_are_corrected_too():
    rider = RiderFactory()
    admin = staff(CENTRE_ADMIN, qingdao())
    district = qingdao().districts.exclude(pk=rider.district_id).first()
    services.correction_apply(request=ask(rider, "district", str(district.pk)), by=admin)
    services.correction_apply(request=ask(rider, "joined_on", "2023-05-06"), by=admin)
    rider.refresh_from_db()
    assert rider.district == district and str(rider.joined_on) == "2023-05-06"
    # As the rider types it: the district's name, in their own city.
    services.correction_apply(request=ask(rider, "district", "李沧区"), by=admin)
    rider.refresh_from_db()
    assert rider.district.name == "李沧区"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("joined_on", "06/05/2023", "date"),
        ("district", "北京", "district"),
        ("gender", "x", "gender"),
    ],
)
def test_a_request_that_cannot_be_applied_stays_open_with_the_reason(client, field, value, code):
    rider = RiderFactory()
    request = ask(rider, field, value)
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    response = run_action(client, "apply", [request])
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "open"
    with pytest.raises(services.MyDataError) as refused:
        services.correction_apply(request=request, by=staff(CENTRE_ADMIN, qingdao()))
    assert refused.value.code == code


def test_a_district_of_another_city_is_a_move_not_a_correction():
    request = ask(RiderFactory(), "district", str(jinan("lixia").pk))
    with pytest.raises(services.MyDataError) as refused:
        services.correction_apply(request=request, by=staff(CENTRE_ADMIN, qingdao()))
    assert refused.value.code == "other_city"


def test_refusing_needs_an_answer_the_rider_then_reads(client):
    rider = RiderFactory(station="旧站")
    request = ask(rider)
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    run_action(client, "refuse", [request])
    request.refresh_from_db()
    assert request.status == "open"
    run_action(client, "refuse", [request], answer="花名册上就是旧站，请找站长核实。")
    request.refresh_from_db()
    assert request.status == "refused" and request.answer.startswith("花名册")
    rider.refresh_from_db()
    assert rider.station == "旧站"
    client.force_login(rider.user)
    assert "请找站长核实" in client.get(reverse("mydata:index")).content.decode()


def test_staff_of_another_city_do_not_see_the_request(client):
    request = ask(RiderFactory())
    own = ask(jinan_rider())
    client.force_login(staff(CENTRE_ADMIN, jinan()))
    listed = client.get(reverse(CHANGELIST)).context["cl"].result_list
    assert list(listed) == [own]
    url = reverse("admin:mydata_correctionrequest_change", args=[request.pk])
    assert client.get(url).status_code == 404
    run_action(client, "apply", [request])
    request.refresh_from_db()
    assert request.status == "open"


def test_a_rider_cannot_reach_the_admin(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    assert client.get(reverse(CHANGELIST)).status_code == 302


# --- Closure by staff ------------------------------------------------------------------------

ADD = "admin:mydata_accountclosure_add"


def test_an_admin_closes_an_account_with_a_reason_audited(client):
    rider = RiderFactory()
    admin = staff(CENTRE_ADMIN, qingdao())
    client.force_login(admin)
    response = client.post(reverse(ADD), {"rider": rider.pk, "reason": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors["reason"]
    assert not AccountClosure.objects.exists()
    response = client.post(reverse(ADD), {"rider": rider.pk, "reason": "骑手书面申请（3月2日）"})
    assert response.status_code == 302
    closure = AccountClosure.objects.get()
    assert (closure.by, closure.reason) == (admin, "骑手书面申请（3月2日）")
    rider.refresh_from_db()
    assert not rider.is_active and rider.phone is None
    entry = rider_log(rider).get(action=LogEntry.Action.UPDATE, changes__has_key="is_active")
    assert entry.actor == admin
    assert entry.additional_data == {"account_closure": closure.pk, "reason": closure.reason}
    created = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(AccountClosure),
        action=LogEntry.Action.CREATE,
    )
    assert created.actor == admin and created.additional_data["reason"] == closure.reason
    page = client.get(reverse("admin:mydata_accountclosure_change", args=[closure.pk]))
    assert page.status_code == 200


def test_the_admin_form_explains_what_blocks_closure(client):
    from rewards.models import Award
    from tests.factories import validated_report

    report = validated_report()
    rider = report.rider
    assert Award.objects.filter(rider=rider, kind="cash", batch__isnull=True).exists()
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    response = client.post(reverse(ADD), {"rider": rider.pk, "reason": "申请注销"})
    assert response.status_code == 200
    assert "cash reward" in str(response.context["adminform"].form.non_field_errors())
    rider.refresh_from_db()
    assert rider.is_active


def test_staff_of_another_city_cannot_close_a_qingdao_account(client):
    rider = RiderFactory()
    client.force_login(staff(CENTRE_ADMIN, jinan()))
    response = client.post(reverse(ADD), {"rider": rider.pk, "reason": "申请注销"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["rider"]
    rider.refresh_from_db()
    assert rider.is_active
