"""numc: NumPy's API on an immutable-tensor engine (`import numc as np`).

Everything is implemented in C (the `_numc` extension); this file only
re-exports it and adds the module constants.
"""
import math as _math

from . import _numc
from ._numc import *  # noqa: F401,F403
from ._numc import _spec  # noqa: F401  (the spec table, for the test suite)
from ._numc import _sort_method  # noqa: F401  (ndarray.sort's spec row)
from ._numc import random  # noqa: F401  (numc.random, a submodule made in C)
# ---- fft (issue 9) ----
from ._numc import fft  # noqa: F401  (numc.fft, a submodule made in C)
# ---- issue 8, breadth3 ----
from ._numc import __array_namespace_info__  # noqa: F401  (skipped by import *)

e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
euler_gamma = 0.5772156649015329
newaxis = None
__array_api_version__ = "2024.12"
__version__ = "0.1.0"


def _register_threadpoolctl():
    """Lets threadpoolctl see and limit numc's thread pool (user_api "numc").

    numc's kernels and its BLAS calls share that one pool (NUMC_NUM_THREADS);
    threadpoolctl finds it as the loaded `_numc` extension.
    """
    try:
        import threadpoolctl
    except ImportError:
        return
    if not hasattr(threadpoolctl, "register"):  # threadpoolctl < 3.5
        return

    class NumcController(threadpoolctl.LibController):
        user_api = "numc"
        internal_api = "numc"
        filename_prefixes = ("_numc",)

        def get_num_threads(self):
            return _numc.num_threads()

        def set_num_threads(self, num_threads):
            n = int(num_threads)  # (numc's max would shadow the builtin here)
            _numc.num_threads(n if n > 0 else 1)

        def get_version(self):
            return __version__

    threadpoolctl.register(NumcController)


_register_threadpoolctl()

_sys_modules = __import__("sys").modules
_sys_modules[__name__ + ".random"] = random  # so `import numc.random` finds it
_sys_modules[__name__ + ".fft"] = fft  # ---- fft (issue 9) ----
del _sys_modules
