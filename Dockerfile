# One image for web (ASGI), worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files (admin, Swagger UI, ReDoc) are collected at build time and served by WhiteNoise.
# collectstatic signs nothing: a throwaway random key keeps a generated one out of the image.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 sellflow \
    && mkdir -p /app/media /app/private \
    && chown -R sellflow /app/media /app/private \
    && chmod 700 /app/private
USER sellflow

EXPOSE 8000
# gunicorn with uvicorn workers (gunicorn.conf.py): WEB_CONCURRENCY processes, one per CPU unless set.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "sellflow.asgi:application"]
