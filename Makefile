# Two commands set everything up on a fresh machine: `make run` and `make test`.
# The locks are resolved for CPython 3.11 on x86_64 Linux (the Docker image's Python); `make lock`
# regenerates them from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
RUNTIME := $(VENV)/.runtime
DEV := $(VENV)/.dev
# PyPI's Linux torch is the CUDA build (several GB of nvidia-* and triton packages); the locks pin
# torch==2.13.0+cpu by hash, which PyTorch's page of CPU wheels serves.
TORCH_WHEELS ?= https://download.pytorch.org/whl/cpu/torch/
# The page is handed to pip only when it answers: pip retries an unreachable page for ~9 s with a
# warning per try (measured where only PyPI is reachable), and then the wheel must come from pip's
# own configured sources anyway.
torch_links = $(shell $(PYTHON) -c 'import sys, urllib.request as r; r.urlopen(sys.argv[1], timeout=10).close(); print("--find-links", sys.argv[1])' $(TORCH_WHEELS) 2>/dev/null)
say = @printf '\n==> %s\n'

.PHONY: run test lint lock bench catalogs

## The main job: the bot when DOSSIER_TELEGRAM_TOKEN is set, else a local session over the seeds.
run: $(RUNTIME)
	$(say) "Starting dossier (the first run builds the index from seeds/)"
	$(BIN)/dossier start

## The test suite (what CI runs).
test: $(DEV)
	$(say) "ruff check"
	$(BIN)/ruff check .
	$(say) "ruff format --check"
	$(BIN)/ruff format --check .
	$(say) "mypy"
	$(BIN)/mypy
	$(say) "pytest (about 5 minutes on 2 cores)"
	$(BIN)/python -m pytest

## The message catalogs: new messages from the code into bot/locales/*.po, each compiled to its .mo.
catalogs: $(RUNTIME)
	$(BIN)/python -m bot.locales.catalogs

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(RUNTIME)
	$(BIN)/python bench/index_bench.py

$(BIN)/python:
	$(say) "Creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "dossier: the locks are for Python 3.11; run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Every package pinned with its hashes, nothing resolved at install time (--no-deps: the locks are
# complete, and `make lock` writes them). torch alone is installed first by its exact version and
# build tag (+cpu, which only PyTorch's CPU page serves): its hash in the lock was taken from this
# machine's copy of the wheel, and if PyTorch's file ever differed the hashed install would stop
# rather than fall back; the hashed install then finds torch present and checks the rest.
$(RUNTIME): requirements/runtime.lock pyproject.toml | $(BIN)/python
	$(say) "Installing the runtime dependencies: requirements/runtime.lock (CPU torch included, ~1 GB)"
	@links="$(torch_links)"; [ -n "$$links" ] || echo "(PyTorch's CPU wheel page is unreachable: torch 2.13.0+cpu comes from pip's own sources)"; \
	torch="$$(grep -o '^torch==[^ ]*' requirements/runtime.lock)"; \
	$(PIP) install --no-deps --progress-bar on $$links "$$torch" && \
	$(PIP) install --require-hashes --no-deps --progress-bar on $$links -r requirements/runtime.lock
	$(say) "Installing dossier itself (editable)"
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check
	@touch $@

$(DEV): requirements/dev.lock $(RUNTIME)
	$(say) "Installing the development tools: requirements/dev.lock (pytest, ruff, mypy, uv)"
	$(PIP) install --quiet --require-hashes --no-deps -r requirements/dev.lock
	$(PIP) check
	@touch $@

## Regenerate the three locks from pyproject.toml (after changing its dependencies), with uv.
## Each lock starts from the previous one's pins, so the same package has the same version in all.
## uv does not read pip's configuration: where PyTorch's page is unreachable, it gets pip's find-links.
LOCK_LINKS = $(or $(torch_links),$(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS)))
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --no-emit-find-links --custom-compile-command "make lock" \
	$(LOCK_LINKS)
lock: $(DEV)
	$(say) "Locking pyproject.toml: requirements/dev.lock, runtime.lock, serve.lock"
	$(UV_COMPILE) --extra export --extra dev -o requirements/dev.lock
	cp requirements/dev.lock requirements/runtime.lock
	$(UV_COMPILE) --extra export -o requirements/runtime.lock
	cp requirements/runtime.lock requirements/serve.lock
	$(UV_COMPILE) -o requirements/serve.lock
