# The two commands the README promises:
#   make crawl URLS="https://example.com/a https://example.com/b"   set up, then archive into archive/
#   make test                                                       set up with test extras, run the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# pywb (scrapy replay), wacz and cdxj-indexer have their own environment: pywb
# pins an old redis and pulls brotlipy, which breaks Scrapy's brotli decoding.
PYWB_VENV := .venv-pywb
SPIDER ?= article
comma  := ,
empty  :=
space  := $(empty) $(empty)

.PHONY: crawl test bench bench-distributed lint install install-test install-review system-deps clean-venv

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb>=2.8,<3' 'wacz>=0.5,<0.7' 'cdxj-indexer>=1.4,<2'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-review: $(PYWB_VENV)/.installed

crawl: $(VENV)/.installed
	@if [ -z "$(strip $(URLS))$(URLS_FILE)" ]; then \
	  echo 'usage: make crawl URLS="https://site/article-1 https://site/article-2"  (or URLS_FILE=path)' >&2; exit 2; fi
	$(BIN)/scrapy crawl $(SPIDER) \
	  $(if $(strip $(URLS)),-a urls="$(subst $(space),$(comma),$(strip $(URLS)))") \
	  $(if $(URLS_FILE),-a urls_file="$(URLS_FILE)") $(ARGS)

# OS packages the tests use: Chromium renders the run report in a real browser;
# redis-server backs the distributed tests (each test run starts its own on a free port).
# Installed with apt when running as root (CI); otherwise those tests skip and say why.
SYSTEM_PACKAGES := chromium redis-server
system-deps:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "note: not installed and this is not root: $$missing; the tests that need them will skip" >&2; fi

# ReplayWeb.page, for the replay tests: its npm package (ui.js, sw.js), served locally.
# `npm pack` only downloads the tarball (`npm install replaywebpage` fails on its native deps).
RWP_TGZ := $(VENV)/replaywebpage.tgz
$(RWP_TGZ): | $(BIN)/python
	@if command -v npm >/dev/null 2>&1; then \
	  tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent replaywebpage@2 >/dev/null) && mv $$tmp/replaywebpage-*.tgz $@; \
	  rm -rf $$tmp; \
	else echo "note: npm not found: the ReplayWeb.page tests will skip" >&2; fi

test: $(VENV)/.installed-test $(PYWB_VENV)/.installed system-deps $(RWP_TGZ)
	PYWB_VENV=$(abspath $(PYWB_VENV)) REPLAYWEBPAGE_TGZ=$(abspath $(RWP_TGZ)) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Crawl throughput benchmark (benchmarks/README.md): nginx from the OS packages
# serves a generated news site on 127.0.0.1. e.g. BENCH_ARGS="--memory 20000"
bench: $(VENV)/.installed
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)
	$(BIN)/python benchmarks/crawl.py $(BENCH_ARGS)

# 1 vs 2 distributed workers on one Redis (README "Distributed crawling"): nginx and redis-server from the OS.
bench-distributed: $(VENV)/.installed
	@for p in nginx redis-server; do command -v $$p >/dev/null 2>&1 || test -x /usr/sbin/$$p || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$p >/dev/null); done
	$(BIN)/python benchmarks/distributed.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean-venv:
	rm -rf $(VENV) $(PYWB_VENV)
