# The service image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MODQ_VAR_DIR=/var/lib/modq HF_HOME=/var/lib/modq/hf TORCH_HOME=/var/lib/modq/torch

WORKDIR /app
# The CPU build of torch first, from PyTorch's CPU index: PyPI's default pulls CUDA wheels.
COPY constraints.txt ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu -c constraints.txt torch
COPY pyproject.toml README.md ./
COPY moderation ./moderation
COPY workers ./workers
COPY web ./web
RUN pip install -c constraints.txt -e . \
    && useradd --create-home --uid 1000 modq \
    && mkdir -p /var/lib/modq && chown modq /var/lib/modq
USER modq
EXPOSE 8000
CMD ["gunicorn", "--config", "python:web.gunicorn_conf", "--workers", "2", "--bind", "0.0.0.0:8000", "web.wsgi:app"]
