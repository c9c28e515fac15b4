"""What the compiled modules share: their cache's stamp, numba's options for them, a
branch-free select, and splitmix64's finaliser."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import llvmlite.binding as llvm
import numba as nb
import numpy as np
from numba.core import caching, types
from numba.core.extending import intrinsic

_HERE = Path(__file__).resolve().parent
# The sources the compiled functions take code or constants from (by inlining, linking or
# reading a global, which numba freezes at compile time). numba invalidates a cached
# function only when its own file changes, so ``kernel.advance`` would keep running a
# changed ``draw.py``'s old code; the package's functions are stamped by all of them.
COMPILED_SOURCES = tuple(
    _HERE / name for name in ("compiled.py", "draw.py", "kernel.py", "randomness.py")
)


@cache
def _digest(path: Path, mtime_ns: int, size: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def sources_stamp() -> bytes:
    """The digests of every compiled source, as a cached function's stamp."""
    stats = [(path, path.stat()) for path in COMPILED_SOURCES]
    return b"".join(_digest(path, st.st_mtime_ns, st.st_size) for path, st in stats)


class _StampedBySources:
    """A numba cache locator for the package's compiled functions: as its base class, but
    stamped by ``sources_stamp``."""

    def get_source_stamp(self) -> bytes:
        return sources_stamp()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if Path(py_file).resolve() not in COMPILED_SOURCES:
            return None
        return super().from_function(py_func, py_file)  # type: ignore[misc]


class _UserProvided(_StampedBySources, caching.UserProvidedCacheLocator):
    pass


class _InTree(_StampedBySources, caching.InTreeCacheLocator):
    pass


class _UserWide(_StampedBySources, caching.UserWideCacheLocator):
    pass


# tried first, in numba's own order (NUMBA_CACHE_DIR, next to the source, the user's cache)
if _UserProvided not in caching.CacheImpl._locator_classes:
    caching.CacheImpl._locator_classes[:0] = [_UserProvided, _InTree, _UserWide]

# LLVM's x86 cmov converter turns the register gate's selects back into a branch on "granted"
# (taken about 70% of the time in no order a predictor can learn): a mispredicted jump per
# few requests costs more than the whole branch-free step. It is a code-layout heuristic
# only (results are the same either way); off for the compiles of this process.
llvm.set_option("", "-x86-cmov-converter=false")

_F = TypeVar("_F", bound=Callable[..., Any])
# without numba's reference counting (``_nrt=False``): functions that allocate nothing and
# are called once per cycle would otherwise pay an atomic increment and decrement for every
# array argument and view (its callers keep the arrays alive)
_NO_REFCOUNT: dict[str, Any] = {"_nrt": False}  # an option numba's type stubs leave out
jit_bare: Callable[[_F], _F] = nb.njit(
    cache=True, fastmath=False, nogil=True, error_model="numpy", **_NO_REFCOUNT
)
inline = nb.njit(cache=True, fastmath=False, nogil=True, inline="always", error_model="numpy")

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _select_typing(typingctx: Any, cond: Any, a: Any, b: Any) -> Any:
    if a != b:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.select(args[0], args[1], args[2])

    return a(types.boolean, a, b), codegen


# ``select(cond, a, b)``: ``a if cond else b`` as one LLVM ``select``. numba turns a
# conditional expression into a branch, which LLVM may keep as a data-dependent (so often
# mispredicted) jump in the gate's loop.
select: Any = intrinsic(_select_typing)


@inline
def mix(x: np.uint64) -> np.uint64:
    """splitmix64's finaliser (``randomness.mix``, on one value)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)
