"""Shared pytest setup for numc's Python tests: NumPy is the oracle.

Fixtures:
  nc    the numc module (the session stops with the import error if
        `import numc` fails, instead of reporting thousands of failures)
Helpers for table-driven tests live in optable.py (import optable).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "numc", deadline=None, derandomize=True, max_examples=60,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "numc"))
except ImportError:  # pragma: no cover
    pass

try:
    import numc as _numc
    _IMPORT_ERROR = None
except Exception as e:  # noqa: BLE001
    _numc = None
    _IMPORT_ERROR = e


@pytest.fixture(scope="session")
def nc():
    if _numc is None:
        pytest.exit(f"import numc failed: {type(_IMPORT_ERROR).__name__}: {_IMPORT_ERROR}",
                    returncode=1)
    return _numc
