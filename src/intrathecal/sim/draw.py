"""A cycle's patient-bolus request times, drawn compiled from the stream ``randomness`` defines.

Eight days at a time, one 32-bit lane each: a numba intrinsic emits the LLVM IR for a
block of eight days (with AVX2, 256-bit vectors and native 32-bit multiplies): the day
keys, the Poisson counts (nine threshold compares), the first eight request words, an
8-input sorting network on them, an 8 x 8 transpose in registers that turns the slots into
one row per day, and each row widened to ticks, then µs from the cycle start, and
stored whole where the day's requests go (the next day's row starts after its count). A
day of more than eight requests (0.4 % of days at three a day) then gets room for the
rest, which a scalar loop draws into its sorted row. Days past the cycle's end in its last
block are drawn and cut off with the times after the end. A threshold row holds at least
16 values (``randomness.poisson_cdf``); the block reads its first nine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba.core import types
from numba.core.extending import intrinsic

from intrathecal.sim.compiled import inline, jit_bare, mix
from intrathecal.sim.randomness import (
    DAY_US,
    GOLDEN32,
    HASH_M1,
    HASH_M2,
    PUMP,
    TICK_US,
    TICKS_PER_DAY,
)

ROW = 8  # days a block, and the requests a day the vector pass draws (a row)
_TICK_SHIFT = TICK_US.bit_length() - 1  # a tick is 2**10 µs
_EMPTY = 0xFFFFFFFF  # an empty slot's word: sorts last
_MASK32 = np.uint64(0xFFFFFFFF)
_U16, _U15, _U32 = np.uint64(16), np.uint64(15), np.uint64(32)
_UM1, _UM2, _UG = np.uint64(HASH_M1), np.uint64(HASH_M2), np.uint64(GOLDEN32)
_UTICKS = np.uint64(TICKS_PER_DAY)

# an optimal 8-input sorting network (19 compare-exchanges, depth 6)
_NETWORK = (
    (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7), (0, 1), (2, 3),
    (4, 5), (6, 7), (2, 4), (3, 5), (1, 4), (3, 6), (1, 2), (3, 4), (5, 6),
)  # fmt: skip

_I32, _I64 = ir.IntType(32), ir.IntType(64)
_V32, _V64 = ir.VectorType(_I32, ROW), ir.VectorType(_I64, ROW)


def _splat(vector: Any, value: int) -> Any:
    return ir.Constant(vector, [value] * ROW)


def _broadcast(builder: Any, scalar: Any, vector: Any) -> Any:
    one = builder.insert_element(ir.Constant(vector, ir.Undefined), scalar, _I32(0))
    return builder.shuffle_vector(one, ir.Constant(vector, ir.Undefined), _splat(_V32, 0))


def _lane(builder: Any, vector: Any, lane: int) -> Any:
    """Lane ``lane`` of ``vector`` in every lane."""
    return builder.shuffle_vector(vector, ir.Constant(_V32, ir.Undefined), _splat(_V32, lane))


def _hash(builder: Any, x: Any) -> Any:
    """``randomness.hash32`` on every lane."""
    for multiplier, shift in ((HASH_M1, 16), (HASH_M2, 15)):
        x = builder.mul(
            builder.xor(x, builder.lshr(x, _splat(_V32, shift))), _splat(_V32, multiplier)
        )
    return builder.xor(x, builder.lshr(x, _splat(_V32, 16)))


def _exchange(builder: Any, a: Any, b: Any) -> tuple[Any, Any]:
    less = builder.icmp_unsigned("<", a, b)
    return builder.select(less, a, b), builder.select(less, b, a)


def _transpose(builder: Any, rows: list[Any]) -> list[Any]:
    """An 8 x 8 transpose in registers: three rounds of pairwise lane exchanges."""
    v = list(rows)
    step = 1
    while step < ROW:
        lo = [k if k & step == 0 else ROW + k - step for k in range(ROW)]
        hi = [k + step if k & step == 0 else ROW + k for k in range(ROW)]
        for p in range(ROW):
            if p & step == 0:
                a, b = v[p], v[p + step]
                v[p] = builder.shuffle_vector(a, b, ir.Constant(_V32, lo))
                v[p + step] = builder.shuffle_vector(a, b, ir.Constant(_V32, hi))
        step *= 2
    return v


def _draw_block_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    b = builder
    dst, m, k1, k2, day0, base0, thr, counts = args
    dst_data = context.make_array(signature.args[0])(context, b, dst).data
    thr_data = context.make_array(signature.args[6])(context, b, thr).data
    counts_data = context.make_array(signature.args[7])(context, b, counts).data
    days = b.add(_broadcast(b, b.trunc(day0, _I32), _V32), ir.Constant(_V32, list(range(ROW))))
    first = b.add(_broadcast(b, b.trunc(k1, _I32), _V32), b.mul(days, _splat(_V32, GOLDEN32)))
    key = _hash(b, b.xor(_hash(b, first), _broadcast(b, b.trunc(k2, _I32), _V32)))
    # the count, capped at ``ROW + 1``: thresholds (1 to 2**31) less one, so a signed
    # compare decides
    below = b.trunc(b.load(b.bitcast(thr_data, _V64.as_pointer()), align=8), _V32)
    below = b.sub(below, _splat(_V32, 1))
    ninth = b.sub(b.trunc(b.load(b.gep(thr_data, [_I64(ROW)])), _I32), _I32(1))
    w = b.lshr(key, _splat(_V32, 1))
    drawn = [b.icmp_signed(">", w, _lane(b, below, j)) for j in range(ROW)]
    count = b.zext(b.icmp_signed(">", w, _broadcast(b, ninth, _V32)), _V32)
    for more in drawn:
        count = b.add(count, b.zext(more, _V32))
    b.store(b.zext(count, _V64), b.bitcast(counts_data, _V64.as_pointer()), align=8)
    # the words sorted as they are (a word's tick grows with it), each made a tick once a
    # day's row is widened to 64 bits: ``(word x TICKS_PER_DAY) >> 32`` ticks, in µs
    words = []
    for j in range(ROW):
        word = _hash(b, b.add(key, _splat(_V32, ((j + 1) * GOLDEN32) & 0xFFFFFFFF)))
        words.append(b.select(drawn[j], word, _splat(_V32, _EMPTY)))
    for i, j in _NETWORK:
        words[i], words[j] = _exchange(b, words[i], words[j])
    rows = _transpose(b, words)
    base = _broadcast(b, base0, _V64)
    at = m
    for q in range(ROW):
        wide = b.mul(b.zext(rows[q], _V64), _splat(_V64, TICKS_PER_DAY))
        tick_us = b.and_(b.lshr(wide, _splat(_V64, 32 - _TICK_SHIFT)), _splat(_V64, -TICK_US))
        us = b.add(tick_us, b.add(base, _splat(_V64, q * DAY_US)))
        b.store(us, b.bitcast(b.gep(dst_data, [at]), _V64.as_pointer()), align=8)
        at = b.add(at, b.zext(b.extract_element(count, _I32(q)), _I64))
    busy = b.bitcast(b.icmp_signed(">", count, _splat(_V32, ROW)), ir.IntType(ROW))
    none_busy = b.icmp_unsigned("==", busy, ir.IntType(ROW)(0))
    return b.select(none_busy, at, b.sub(_I64(-1), at))


def _draw_block_typing(
    typingctx: Any, dst: Any, m: Any, k1: Any, k2: Any, day0: Any, base0: Any, thr: Any, counts: Any
) -> Any:
    arrays = (dst, thr, counts)
    if any(
        not isinstance(a, types.Array) or a.dtype != types.int64 or a.layout != "C" for a in arrays
    ):
        return None
    signature = types.int64(
        dst, types.intp, types.int64, types.int64, types.int64, types.int64, thr, counts
    )
    return signature, _draw_block_codegen


# ``_draw_block(dst, m, k1, k2, day0, base0, thr, counts)``: days ``day0`` to ``day0 + 7``
# of the pump keyed by the halves ``k1``, ``k2``, their requests stored from ``dst[m]`` as
# µs from the cycle start (day ``day0``'s midnight is ``base0``), each day's row of ``ROW``
# written whole (room for ``ROW`` past the last); ``counts`` gets each day's count, capped
# at ``ROW + 1``; ``thr`` is the pump's threshold row. Returns the new ``m``, or ``-1 - m``
# when a day had more than ``ROW`` requests (its region holds ``ROW + 1`` values, only the
# first ``ROW`` of its words drawn: ``_redraw_busy`` mends it).
_draw_block: Any = intrinsic(_draw_block_typing)


@inline
def _hash32(x: np.uint64) -> np.uint64:
    """``randomness.hash32`` on one value below 2**32 held in 64 bits."""
    x = ((x ^ (x >> _U16)) * _UM1) & _MASK32
    x = ((x ^ (x >> _U15)) * _UM2) & _MASK32
    return x ^ (x >> _U16)


@inline
def _day_key(k1: np.int64, k2: np.int64, day: int) -> np.uint64:
    first = (np.uint64(k1) + (np.uint64(day) & _MASK32) * _UG) & _MASK32
    return _hash32(_hash32(first) ^ np.uint64(k2))


@jit_bare
def _redraw_busy(
    dst: np.ndarray,
    m: int,
    end: int,
    counts: np.ndarray,
    k1: np.int64,
    k2: np.int64,
    day0: int,
    base0: np.int64,
    thr: np.ndarray,
) -> int:
    """After ``_draw_block`` of days ``day0 ..`` from ``dst[m]`` up to ``end``: each day of
    more than ``ROW`` requests gets room for its whole count (its later days moved) and
    the rest of its times, sorted in with the row's first ``ROW``; returns the new end."""
    at = m
    for q in range(ROW):
        c = counts[q]
        if c > ROW:
            key = _day_key(k1, k2, day0 + q)
            w = np.int64(key >> np.uint64(1))
            while c < thr.shape[0] and w >= thr[c]:
                c += 1
            more = c - (ROW + 1)
            for r in range(end - 1, at + ROW, -1):
                dst[r + more] = dst[r]
            end += more
            base = base0 + q * DAY_US
            for j in range(ROW, c):  # the rest of the day's times, into its sorted row
                word = _hash32((key + np.uint64(j + 1) * _UG) & _MASK32)
                t = base + (np.int64((word * _UTICKS) >> _U32) << _TICK_SHIFT)
                r = at + j
                while r > at and dst[r - 1] > t:
                    dst[r] = dst[r - 1]
                    r -= 1
                dst[r] = t
        at += c
    return end


@inline
def room(longest_us: np.int64, width: int) -> np.int64:
    """Values ``request_times`` may write for a cycle of ``longest_us``: every drawn day's
    requests (``width``, the threshold row's, caps a day's count) and a last row."""
    days = (longest_us // DAY_US + 2 + ROW - 1) // ROW * ROW
    return np.int64(days * max(width, ROW + 1) + ROW)


@jit_bare
def request_times(
    seed_key: np.uint64,
    pump_id: np.int64,
    t0_us: np.int64,
    t1_us: np.int64,
    thr: np.ndarray,
    counts: np.ndarray,
    rel_us: np.ndarray,
) -> int:
    """Request times in ``[t0, t1)`` (µs from ``t0``) into ``rel_us``; returns how many.

    ``thr`` is the pump's Poisson threshold row (``randomness.poisson_table``), ``counts``
    holds ``ROW`` values, ``rel_us`` ``room(t1 - t0, len(thr))``.
    """
    key = mix(seed_key + np.uint64(pump_id) * PUMP)
    k1, k2 = np.int64(key & _MASK32), np.int64(key >> _U32)
    d0 = t0_us // DAY_US
    nd = (t1_us - 1) // DAY_US - d0 + 1
    m = 0
    for day in range(d0, d0 + nd, ROW):
        base = day * DAY_US - t0_us
        got = _draw_block(rel_us, m, k1, k2, day, base, thr, counts)
        if got < 0:
            got = _redraw_busy(rel_us, m, -1 - got, counts, k1, k2, day, base, thr)
        m = got
    # the day the cycle starts in: its requests before ``t0`` are the first
    early = 0
    while early < m and rel_us[early] < 0:
        early += 1
    if early > 0:
        m -= early
        for r in range(m):
            rel_us[r] = rel_us[r + early]
    # the days from ``t1`` on: their requests are the last ones
    while m > 0 and rel_us[m - 1] >= t1_us - t0_us:
        m -= 1
    return m
