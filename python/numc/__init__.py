"""numc: NumPy's API on an immutable-tensor engine (`import numc as np`).

Everything is implemented in C (the `_numc` extension); this file only
re-exports it and adds the module constants.
"""
import math as _math

from . import _numc
from ._numc import *  # noqa: F401,F403
from ._numc import _spec  # noqa: F401  (the spec table, for the test suite)
from ._numc import random  # noqa: F401  (numc.random, a submodule made in C)

e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
euler_gamma = 0.5772156649015329
newaxis = None
__array_api_version__ = "2024.12"
__version__ = "0.1.0"

_sys_modules = __import__("sys").modules
_sys_modules[__name__ + ".random"] = random  # so `import numc.random` finds it
del _sys_modules
