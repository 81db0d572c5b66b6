# The production image: the app under gunicorn (deploy/gunicorn.conf.py), static files served by
# whitenoise. docker-compose.yml runs it behind nginx, next to PostgreSQL 18; see README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSARCHIVE_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    GUNICORN_WORKERS=3 \
    GUNICORN_THREADS=8

WORKDIR /app
COPY pyproject.toml README.md ./
COPY newsarchive newsarchive
COPY core core
COPY articles articles
COPY claims claims
RUN pip install --no-cache-dir .
COPY . .

# collectstatic reads settings but uses no database, so it needs no DATABASE_URL (production
# never starts an embedded server); production settings do require these two placeholders.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

RUN useradd --system --no-create-home newsarchive
USER newsarchive
EXPOSE 8000

# Behind nginx, gunicorn receives only complete requests, so a few threads per worker suffice;
# and a worker that dies takes at most its 8 requests with it, whose GETs nginx tries again on
# another worker (deploy/nginx.conf; bench/worker_crash.py).
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_seed && exec gunicorn --config deploy/gunicorn.conf.py --bind 0.0.0.0:8000"]
