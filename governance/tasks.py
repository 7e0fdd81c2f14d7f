from celery import shared_task

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def route_report(report_id: int) -> None:
    services.report_route_automatically(report_id=report_id)


@shared_task(acks_late=True)
def sweep_unrouted_reports() -> int:
    return services.unrouted_reports_requeue()


@shared_task(acks_late=True)
def sweep_report_deadlines() -> int:
    return services.report_deadlines_sweep()


@shared_task(acks_late=True)
def sweep_unchecked_fixes() -> int:
    return services.unchecked_fixes_accept()


@shared_task(acks_late=True)
def sweep_unanswered_questions() -> int:
    return services.unanswered_questions_expire()


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def redact_photo(kind: str, photo_id: int) -> bool:
    """Blur bystanders' faces and plates in one uploaded photo (issue 20); safe to repeat."""
    return services.photo_redact(kind=kind, photo_id=photo_id)


@shared_task(acks_late=True)
def sweep_unredacted_photos() -> int:
    return services.photos_unredacted_requeue()
