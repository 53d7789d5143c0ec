# The suite on one machine. `make run` starts everything locally (no Docker),
# `make test` runs the tests, `make bench` the benchmarks.

PYTHON := .venv/bin/python
PYTEST := $(PYTHON) -m pytest -p no:cacheprovider

.PHONY: venv run test bench clean-data

venv:
	@bash deploy/bootstrap.sh

run: venv
	$(PYTHON) -m deploy.run

# pytest exits 5 when it collected nothing: that is a failure here too.
test: venv
	@$(PYTEST) -q -m "not bench" tests; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; \
	exit $$status

bench: venv
	@$(PYTEST) -q -s -m bench tests/bench; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make bench: no benchmarks yet in tests/bench" >&2; exit 1; fi; \
	exit $$status

# Stops a runner of this checkout first, without asking, then removes its data.
clean-data:
	@python3 -m deploy.run stop
	rm -rf var
