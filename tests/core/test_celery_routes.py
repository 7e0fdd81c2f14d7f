"""Tasks go to their kind's queue (issue 19): reports, notify, urgent pages, the default."""

import pytest

from riders_portal.celery import app
from riders_portal.celery_routes import QUEUE_OF_TASK


def queue_of(name: str, **options) -> str:
    return app.amqp.router.route(options, name, (), {})["queue"].name


@pytest.fixture
def default_queue():
    """Set the app's default queue for a test, as tests/conftest.py does for its workers."""
    previous = app.conf.task_default_queue

    def set_to(name: str) -> None:
        app.conf.task_default_queue = name

    yield set_to
    app.conf.task_default_queue = previous


@pytest.fixture
def production_default(default_queue):
    default_queue("celery")


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("governance.tasks.route_report", "reports"),
        ("governance.tasks.sweep_report_deadlines", "reports"),
        ("riders.tasks.send_sms", "notify"),
        ("webhooks.tasks.deliver_webhook", "notify"),
        ("rewards.tasks.award_report", "celery"),
        ("canteen.tasks.expire_uncollected_meals", "celery"),
    ],
)
def test_each_kind_has_its_queue(production_default, task, queue):
    assert queue_of(task) == queue


def test_an_urgent_page_keeps_the_queue_it_is_sent_to(production_default):
    assert queue_of("webhooks.tasks.deliver_webhook", queue="urgent") == "urgent"


def test_every_routed_task_exists_and_every_queue_is_consumed_by_a_plain_worker(settings):
    app.loader.import_default_modules()
    assert set(QUEUE_OF_TASK) <= set(app.tasks)
    consumed = {queue.name for queue in app.conf.task_queues}
    assert set(settings.CELERY_KIND_QUEUES.values()) | {"celery", "urgent"} <= consumed
    for queue in app.conf.task_queues:  # a bare Queue(name) would copy into every queue
        assert queue.routing_key == queue.name


def test_a_renamed_default_queue_takes_every_task(default_queue):
    """The tests' private queue per test (tests/conftest.py): one worker on it runs them all."""
    default_queue("test-private")
    assert queue_of("governance.tasks.route_report") == "test-private"
    assert queue_of("riders.tasks.send_sms") == "test-private"


def test_the_split_can_be_forced(default_queue, settings):
    default_queue("deployment-b")
    settings.CELERY_QUEUE_SPLIT = True
    assert queue_of("governance.tasks.route_report") == "reports"
    default_queue("celery")
    settings.CELERY_QUEUE_SPLIT = False
    assert queue_of("governance.tasks.route_report") == "celery"
