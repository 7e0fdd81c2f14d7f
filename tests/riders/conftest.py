"""Local SMS gateways (tests/riders/sms_gateways.py) with the settings that point a sender at
them; `gateway` is parametrised over both."""

import pytest

from . import sms_gateways


def _running(kind: str, settings):
    gateway, server = sms_gateways.start(kind)
    for name, value in sms_gateways.settings_for(kind, gateway.url).items():
        setattr(settings, name, value)
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def aliyun_gateway(settings):
    yield from _running("aliyun", settings)


@pytest.fixture
def tencent_gateway(settings):
    yield from _running("tencent", settings)
