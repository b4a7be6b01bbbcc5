# Dossier's Telegram bot: CPU-only, offline at run time, the seed index built into the image.
#   docker build -t dossier .
#   docker run --env-file .env -v dossier-data:/data dossier          # the bot (long polling)
#   docker run --env-file .env -v dossier-data:/data dossier index list
#
# Two stages. `build` installs the runtime lock (CPU torch and sentence-transformers included) to export
# the model to ONNX and build the seed index: the one job that needs torch. The final stage answers,
# indexes, runs the bot and its health check on onnxruntime alone (requirements/serve.lock) and takes
# from `build` only the built index (with the export) and dossier's own wheel.
#
# A package mirror for the build: --build-arg PIP_INDEX_URL=... (pip reads it from the environment);
# TORCH_WHEELS is the page pip finds torch's CPU wheel on.

FROM python:3.11-slim AS build
ARG TORCH_WHEELS=https://download.pytorch.org/whl/cpu/torch/
ARG PIP_INDEX_URL
ARG PIP_FIND_LINKS
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
WORKDIR /src
COPY requirements/runtime.lock requirements/
# torch first by version and build tag (as the Makefile does: see there why), then everything by hash.
RUN python3 -m venv /opt/build \
 && /opt/build/bin/pip install --no-deps --find-links "$TORCH_WHEELS" "$(grep -o '^torch==[^ ]*' requirements/runtime.lock)" \
 && /opt/build/bin/pip install --require-hashes --no-deps --find-links "$TORCH_WHEELS" -r requirements/runtime.lock
COPY pyproject.toml README.md LICENSE ./
COPY index ./index
COPY bot ./bot
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
 && /opt/build/bin/pip install --no-deps /wheels/dossier-*.whl
COPY seeds ./seeds
RUN DOSSIER_DATA_DIR=/seed-data /opt/build/bin/dossier index build seeds


FROM python:3.11-slim
ARG PIP_INDEX_URL
ARG PIP_FIND_LINKS
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/dossier/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    DOSSIER_DATA_DIR=/data \
    DOSSIER_SEED_DATA=/app/seed-data
WORKDIR /app
COPY requirements/serve.lock /tmp/serve.lock
COPY --from=build /wheels /tmp/wheels
# No pip, setuptools or wheels left behind: the image runs dossier, nothing installs into it.
RUN python3 -m venv /opt/dossier \
 && /opt/dossier/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps \
      -r /tmp/serve.lock \
 && /opt/dossier/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps /tmp/wheels/dossier-*.whl \
 && /opt/dossier/bin/pip uninstall --yes --disable-pip-version-check pip setuptools \
 && rm -rf /tmp/serve.lock /tmp/wheels
# The seed index and the model's ONNX export (with its int8 copy), made in `build`; the entrypoint copies
# them into the data volume the first time the volume has no index.
COPY --from=build /seed-data /app/seed-data

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
