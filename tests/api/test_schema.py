"""Property-based: every operation in the OpenAPI, fed generated data, never answers 5xx
and never answers outside its own schema (schemathesis, all checks, in-process ASGI)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from torchplay.api import create_app
from torchplay.planning import warm_up_planning
from torchplay.settings import Settings

DATA_DIR = Path(tempfile.mkdtemp(prefix="torchplay-schema-"))

# The app warms shape planning up in a background thread, which imports torch._dynamo and
# parses source with `ast` as it goes. CPython 3.11 keeps one AST recursion counter per
# interpreter, not per thread, so hypothesis compiling its own helpers in this thread at
# the same moment can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905 and kin). Warming up here first leaves the app's warm-up nothing
# to import.
warm_up_planning()

# Tiny limits: generated jobs that pass validation train in milliseconds, and the limit
# paths (422 naming the limit) get exercised too.
app = create_app(
    Settings(
        data_dir=DATA_DIR,
        max_epochs=3,
        max_samples=200,
        max_params=20_000,
        max_layers=20,
        max_queued_jobs=2,
        max_running_jobs=1,
        warm_workers=0,
        allowed_hosts=["testserver"],  # the in-process client's Host
    )
)
# A schema-valid job can still be refused with 422 for what JSON Schema cannot say: shapes
# that do not flow between layers, a dataset name that is not registered, a model over a
# limit. The positive-data check accepts 422 for that reason only; every other check stays.
config = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "404", "409", "413", "422", "429"]}}}
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


# Derandomized: every run (CI's too) tries the same 100 cases per operation, so a red run
# reproduces anywhere. Turn it off locally to explore new cases.
@schema.parametrize()
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()
