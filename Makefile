# Two entry points: `make serve` for authors, `make test` for CI. Both set up .venv first.
# (`make bench` is an extra: it measures them.)
VENV := .venv
BIN := $(VENV)/bin
KATEX_VERSION := 0.19.1
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test bench build vendor-katex clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	touch $@

# Authors: blocks and labs whose code and imported snippets did not change show stored results
# (.cache/pagecode); --dirty re-renders only the pages that changed (or whose results went stale).
# Not strict, so a failing block shows its traceback on the page instead of stopping the server.
serve: $(BIN)/.installed
	PAGECODE_CACHE=.cache/pagecode $(BIN)/python -m mkdocs serve --dirty --no-strict

# Measures the build and the author loop; prints a table and writes test-output/bench.json.
bench: $(BIN)/.installed
	$(BIN)/python -m tests.bench

# The whole suite: the strict build runs inside it (tests/test_site.py), and every page's blocks.
# tests/run_suite.py fails the run if pytest ended early (os._exit) or collected nothing.
test: $(BIN)/.installed
	$(BIN)/python -m tests.run_suite

build: $(BIN)/.installed
	$(BIN)/mkdocs build --strict --site-dir site

# Refresh the vendored KaTeX (math typesetting without a CDN) from the npm registry.
vendor-katex:
	rm -rf /tmp/katex-vendor && mkdir -p /tmp/katex-vendor
	cd /tmp/katex-vendor && npm pack katex@$(KATEX_VERSION) && tar xzf katex-$(KATEX_VERSION).tgz
	rm -rf docs/assets/vendor/katex && mkdir -p docs/assets/vendor/katex/fonts
	cp /tmp/katex-vendor/package/dist/katex.min.js /tmp/katex-vendor/package/dist/katex.min.css \
	   /tmp/katex-vendor/package/dist/contrib/auto-render.min.js /tmp/katex-vendor/package/LICENSE \
	   docs/assets/vendor/katex/
	cp /tmp/katex-vendor/package/dist/fonts/*.woff2 docs/assets/vendor/katex/fonts/

clean:
	rm -rf site .cache test-output
