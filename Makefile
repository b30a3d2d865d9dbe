# torchplay: `make run` starts the server, `make test` runs every test. Both install first.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# The CPU wheel; any other torch spec pulls several GB of CUDA packages.
TORCH := torch==2.13.0

.PHONY: run test install install-test lint bench clean

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PIP) install -q $(TORCH) -e .

install-test: $(PY)
	$(PIP) install -q $(TORCH) -e ".[test,ray,onnx]"  # the Ray and ONNX tests run, not skip

run: install
	$(PY) -m torchplay serve

test: install-test
	node --test tests/frontend/
	$(PY) -m ruff check backend tests benchmarks
	$(PY) -m mypy  # backend/, configured in pyproject.toml
	# Schemathesis (the app in-process) and Ray (a local cluster) each get a pytest process
	# of their own, so neither's threads or state share a process with the timing-sensitive
	# server and browser tests.
	$(PY) -m pytest tests/api/test_schema.py
	$(PY) -m pytest tests/jobs/test_ray_executor.py
	$(PY) -m pytest --ignore=tests/api/test_schema.py --ignore=tests/jobs/test_ray_executor.py

lint: install-test
	$(PY) -m ruff check backend tests benchmarks
	$(PY) -m ruff format --check backend tests benchmarks
	$(PY) -m mypy

bench: install-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) torchplay-data
