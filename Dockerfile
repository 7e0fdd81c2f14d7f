# Riders Portal production image: gunicorn (web), celery worker and celery beat share it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# collectstatic needs settings but no database or secret of the real deployment.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --verbosity 0 \
 && useradd --system --uid 10001 --home /app riders \
 && mkdir -p /app/var/media \
 && chown -R riders /app/var

USER riders
EXPOSE 8000
CMD ["gunicorn", "riders_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
