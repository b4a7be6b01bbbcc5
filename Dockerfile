# Dossier's Telegram bot: CPU-only, offline at run time, the seed index built into the image.
#   docker build -t dossier .
#   docker run --env-file .env -v dossier-data:/data dossier          # the bot (long polling)
#   docker run --env-file .env -v dossier-data:/data dossier index list
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    DOSSIER_DATA_DIR=/data \
    DOSSIER_SEED_DATA=/app/seed-data

WORKDIR /app

# torch first, from PyTorch's CPU-only index: its 2.13.0+cpu satisfies the lock's torch==2.13.0, so the
# second install keeps it instead of pulling the CUDA build (several GB) from PyPI.
COPY requirements.lock .
RUN pip install --index-url https://download.pytorch.org/whl/cpu "$(grep '^torch==' requirements.lock)" \
 && pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock

COPY pyproject.toml README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install --no-deps .

# The seed index (and the ONNX export of the bundled model) is built now, so nothing is fetched at run
# time; the entrypoint copies it into the data volume the first time the volume has no index.
COPY seeds ./seeds
RUN DOSSIER_DATA_DIR="$DOSSIER_SEED_DATA" dossier index build seeds

RUN useradd --create-home --uid 10001 dossier \
 && mkdir -p /data \
 && chown dossier:dossier /data
USER dossier
VOLUME ["/data"]
# Webhook mode only (DOSSIER_WEBHOOK_URL set); long polling needs no open port.
EXPOSE 8443

# Healthy = the index opens and, with a token set, the bot touched its heartbeat within 90 s.
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["dossier", "health"]

ENTRYPOINT ["/bin/sh", "-c", "if [ ! -e \"$DOSSIER_DATA_DIR/dossier.sqlite3\" ] && [ -d \"$DOSSIER_SEED_DATA\" ]; then mkdir -p \"$DOSSIER_DATA_DIR\" && cp -R \"$DOSSIER_SEED_DATA\"/. \"$DOSSIER_DATA_DIR\"/; fi; exec dossier \"$@\"", "dossier"]
CMD ["bot"]
