# The two commands a new user runs: `make demo` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
UV := python3 -m uv
export UV_LINK_MODE := copy

.PHONY: setup web demo test lint typecheck unit bench clean

setup:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@command -v tesseract >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q tesseract-ocr >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; }
	@command -v npm >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q nodejs npm >/dev/null; }

# The web dashboard (web/dist), rebuilt when its sources, its lock file or the API it types change.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
	web/tsconfig.json web/vite.config.ts $(wildcard src/hexad/api/*.py src/hexad/api/routers/*.py)
web: web/dist/index.html
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES) | setup
	cd web && npm run api && npm test && npm run build

demo: setup web
	$(UV) run hexad demo run

lint: setup
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks

typecheck: setup
	$(UV) run mypy

test: lint typecheck web
	$(UV) run pytest tests

unit: setup
	$(UV) run pytest tests/unit -q

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(UV) run python $$b || exit 1; done

clean:
	rm -rf .hexad .mypy_cache .ruff_cache .pytest_cache
