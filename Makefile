# depscan's developer commands. Every target sets up what it needs itself, so a
# fresh clone needs only `make demo` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.depscan-installed
RUNTIME := $(VENV)/.depscan-runtime

.PHONY: setup graphviz chromium test test-all test-fast demo lint bench accuracy clean

# What depscan itself needs (make demo), then what the tests, linters and benchmarks need too.
$(RUNTIME): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "depscan needs Python 3.10 or newer; run make PYTHON=/path/to/python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev,bench]'
	@touch $@

# Graphviz renders diagrams. Installed from Debian's packages when missing and
# we are root; otherwise a note says how.
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Graphviz (Debian package graphviz) ..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null \
	  || echo "warning: could not install graphviz; diagrams other than .dot will not render"; \
	else \
	  echo "note: Graphviz's 'dot' is missing; install it to render diagrams (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz)"; \
	fi

# Chromium (headless) checks that the HTML audit report renders. Installed from
# Debian's packages when missing and we are root; otherwise a note says how.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium (Debian package chromium) ..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	  || echo "warning: could not install chromium; the browser test of the HTML report will be skipped"; \
	else \
	  echo "note: Chromium is missing; install it to test the HTML report in a browser (Debian: sudo apt-get install chromium; Ubuntu: sudo apt-get install chromium-browser)"; \
	fi

setup: $(STAMP) graphviz chromium

# The suite in .venv, then under every other supported Python on this machine (test-all); CI runs this.
test: setup
	@status=0; $(BIN)/python -m pytest || status=1; \
	$(MAKE) --no-print-directory test-all EXCEPT=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
	  || status=1; exit $$status

# The suite under every Python depscan supports that is on this machine (pyenv's, or python3.X on
# PATH), each in its own .venv-3.X; a version that is not here is said and passed by. EXCEPT=3.X
# leaves one out (make test has run it in .venv).
SUPPORTED := 3.10 3.11 3.12 3.13
EXCEPT :=
test-all: graphviz chromium
	@status=0; for v in $(SUPPORTED); do \
	  [ "$$v" != "$(EXCEPT)" ] || continue; \
	  py=$$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V | tail -n 1); \
	  [ -n "$$py" ] || py=$$(command -v python$$v 2>/dev/null); \
	  if [ -z "$$py" ] || ! "$$py" -c 'import venv, ensurepip' 2>/dev/null; then echo "== Python $$v: not here, passed by"; continue; fi; \
	  echo "== Python $$v ($$py)"; \
	  test -x .venv-$$v/bin/python || "$$py" -m venv .venv-$$v || { status=1; continue; }; \
	  .venv-$$v/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' || { status=1; continue; }; \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider || status=1; \
	done; exit $$status

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

demo: $(RUNTIME) graphviz
	@mkdir -p out
	@echo "\$$ depscan examples/weather/main.py --path examples/weather/vendor/units.zip --graph out/weather.svg"
	@$(BIN)/depscan examples/weather/main.py --path examples/weather/vendor/units.zip --graph out/weather.svg

lint: setup
	$(BIN)/ruff check depscan tests benchmarks
	$(BIN)/ruff format --check depscan tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# bench_resolve.py makes its benchmark venv (.bench/venv, from PyPI) on its first run and reuses it after;
# bench_scale.py downloads Home Assistant's wheel (35 MB, never installed) once into .bench/scale/wheels.
bench: setup
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/python benchmarks/bench_resolve.py
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_scale.py

# accuracy.py makes its corpus and tools venvs (.accuracy/, from PyPI) on its first run and reuses them after.
accuracy: setup
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
