"""Each city's SMS carry its own sign name (issue 19): the row keeps the recipient's city, the
worker sends with City.sign_name, else SMS_SIGN_NAME."""

import pytest

from riders import sms_outbox
from tests.cities import jinan_rider
from tests.factories import RiderFactory, jinan

from . import sms_gateways as gw

pytestmark = pytest.mark.django_db


def test_the_gateway_gets_the_recipients_citys_sign_name(aliyun_gateway):
    city = jinan()
    city.sms_sign_name = "泉城骑手之家"
    city.save()
    rider = jinan_rider()
    qingdao_rider = RiderFactory()
    jinan_log = sms_outbox.sms_create(
        phone=rider.phone,
        kind="report_reopened",
        params={"report": "R1"},
        city_id=rider.district.city_id,
    )
    qingdao_log = sms_outbox.sms_create(
        phone=qingdao_rider.phone,
        kind="report_reopened",
        params={"report": "R2"},
        city_id=qingdao_rider.district.city_id,
    )
    sms_outbox.sms_send_now(log_id=jinan_log.pk)
    sms_outbox.sms_send_now(log_id=qingdao_log.pk)
    first, second = aliyun_gateway.requests
    assert first.query["SignName"] == "泉城骑手之家"
    assert second.query["SignName"] == gw.SIGN_NAME  # Qingdao sets none: the default


def test_a_sign_in_code_sms_row_keeps_the_riders_city(sms_outbox):
    from riders.models import SMSLog
    from riders.services import sign_in_code_request

    rider = jinan_rider()
    sign_in_code_request(phone=rider.phone, client_ip="10.1.2.3")
    assert SMSLog.objects.get().city == jinan()
