# Two commands a newcomer needs: `make run` and `make test`. Both create .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck unit fmt bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@# The schema the yaml-language-server modeline in jobs.yaml points at.
	@$(BIN)/cronbridge schema -o .cronbridge/jobs.schema.json >/dev/null
	@# --ui: the web page (cronbridge ui) beside the platform; its URL is in the banner.
	$(BIN)/cronbridge local up --ui

test: check

check: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest-xdist workers (0: one process); each test file runs on one worker, so a module's
# fixtures (a deployed stage, a running platform) start once.
TEST_WORKERS ?= 2

unit: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/plan_calls.py
	$(BIN)/python bench/ui_overview.py
	$(BIN)/python bench/next_fire.py
	$(BIN)/python bench/cli_scale.py

clean:
	rm -rf $(VENV) .cronbridge .pytest_cache .mypy_cache .ruff_cache
