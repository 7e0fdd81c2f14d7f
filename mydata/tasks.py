from celery import shared_task

from . import services


@shared_task(acks_late=True)
def build_data_export(export_id: int) -> bool:
    """Build one export (mydata/services.py export_build): a no-op if it is built already or
    another worker holds it, so a repeated or late message does nothing twice."""
    try:
        return services.export_build(export_id=export_id) is not None
    except Exception:
        services.export_fail(export_id=export_id)
        raise


@shared_task(acks_late=True)
def sweep_data_exports() -> dict[str, int]:
    """Beat: expired exports' files deleted, lost or stuck ones queued again."""
    return services.exports_sweep()
