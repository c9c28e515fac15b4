"""The compiled inner loop: one refill cycle of every pump, decided on float seconds.

numba compiles these functions (``cache=True``, so the first run of a fresh checkout pays
about a minute of compilation once). Everything is plain float64/int64 arrays; all times
inside a cycle are seconds measured from that pump's cycle start, volumes are mL, rates mL/s.

Per pump the cycle is a scan over its sorted patient-bolus requests (the only sequential
part: each decision depends on the grants before it), then the alarm levels are checked at
the cycle's end and only a level actually reached is solved for its exact time: a gallop
over the granted boluses from the one nearest a linear guess to the piece where it is
crossed, then a walk over the few flex-step and bolus-end breakpoints left (whole days
skipped in closed form) and a linear solve on the final constant-rate piece.

Generated (Poisson) requests take a faster route: ``draw`` writes a cycle's request times
as int64 µs, eight days at a time in vector lanes; and a branch-free gate keeps
the last grants in registers and decides on those whole microseconds (exactly the float
rule on whole-µs times). It skips the reservoir check, which is then applied to its grants
only; when the reservoir cannot hold one, the requests before that grant's keep the
register gate's decisions (the check passed every grant before it, so both gates agree
there) and the general gate decides the rest of the cycle. For explicit requests, end of
service or recorded decisions, the general gate decides all.
The alarm and battery solves read the register gate's grants as whole µs (``scale``).
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np
from numba.core import types
from numba.core.extending import overload

from intrathecal.sim.compiled import inline as _inline
from intrathecal.sim.compiled import jit_bare as _jit_bare
from intrathecal.sim.compiled import select as _select
from intrathecal.sim.draw import ROW, request_times, room
from intrathecal.sim.randomness import DAY_US

DAY = 86_400.0
INV_DAY = 1.0 / DAY
EPS_T = 1e-6  # s: the pump's simultaneity tolerance (lockout, rolling 24 h window)
EPS_V = 1e-9  # mL: the pump's volume tolerance (reservoir check)

# decision codes (``engine.Decision`` names them)
GRANTED, RUNNING, LOCKOUT, DAILY_MAX, RESERVOIR_LOW, END_OF_SERVICE, NOT_CONFIGURED = range(7)
N_CODES = 7

WINDOW = 8  # the largest daily maximum the register gate holds
BLOCK = 32  # requests a vector pass counts at once
_CLEAR = np.int64(2**62)  # a gap no limit denies
_NEVER = np.int64(-(2**60))  # µs: "no grant" in the register gate


@_inline
def _basal_table(n: int, starts: np.ndarray, rates: np.ndarray, cum: np.ndarray) -> float:
    """``cum[j]``: the basal volume from midnight to flex step ``j``'s start, summed step by
    step as ``_basal_within`` sums it (so both give the same bits); returns the day's."""
    total = 0.0
    cum[0] = 0.0
    for j in range(n):
        hi = starts[j + 1] if j + 1 < n else DAY
        total += rates[j] * max(hi - starts[j], 0.0)
        cum[j + 1] = total
    return total


@_inline
def _basal_within(
    x: float, n: int, starts: np.ndarray, rates: np.ndarray, cum: np.ndarray
) -> float:
    """Basal volume from local midnight to day-time ``x`` (s): the steps before ``x``'s
    from ``_basal_table``, plus its own step's part (later steps would add ``0.0``)."""
    i = _step_at(x, n, starts)
    hi = starts[i + 1] if i + 1 < n else DAY
    within: float = cum[i] + rates[i] * max(min(x, hi) - starts[i], 0.0)
    return within


@_inline
def _basal_cum(
    t: float,
    ph0: float,
    w0: float,
    per_day: float,
    n: int,
    starts: np.ndarray,
    rates: np.ndarray,
    cum: np.ndarray,
) -> float:
    """Basal volume from the cycle start (day-time ``ph0``, within-day volume ``w0``) to ``t``."""
    u = ph0 + t
    days = math.floor(u * INV_DAY)
    return days * per_day + _basal_within(u - days * DAY, n, starts, rates, cum) - w0


@_inline
def _step_at(x: float, n: int, starts: np.ndarray) -> int:
    i = 0
    for j in range(1, n):
        i = _select(starts[j] <= x, j, i)
    return i


@_inline
def _walk(
    a: float,
    pa: float,
    level: float,
    alpha: float,
    beta: float,
    brate: float,
    bend: float,
    limit: float,
    ph0: float,
    per_day: float,
    n: int,
    starts: np.ndarray,
    rates: np.ndarray,
) -> float:
    """First ``t >= a`` where ``alpha*t + beta*P(t)`` reaches ``level``; ``inf`` past ``limit``.

    ``P(a) = pa``; after ``a`` the programmed flow is the basal plus ``brate`` until ``bend``.
    """
    t = a
    p = pa
    f = alpha * t + beta * p
    if f >= level:
        return t
    day_f = alpha * DAY + beta * per_day
    u = ph0 + t
    x = u - math.floor(u / DAY) * DAY  # the day-time of ``t``, in flex step ``i``
    i = _step_at(x, n, starts)
    while t <= limit:
        if t >= bend and day_f > 0.0 and level - f > 2.0 * day_f:
            k = math.floor((level - f) / day_f) - 1.0
            t += k * DAY
            p += k * per_day
            f = alpha * t + beta * p
        step_end = starts[i + 1] if i + 1 < n else DAY
        boundary = t + (step_end - x)
        nb_ = boundary
        r = rates[i]
        if t < bend:
            r += brate
            nb_ = min(boundary, bend)
        slope = alpha + beta * r
        f_next = f + slope * (nb_ - t)
        if f_next >= level and slope > 0.0:
            when: float = t + (level - f) / slope
            return when
        p += r * (nb_ - t)
        if nb_ < boundary:  # the bolus ended inside the step
            x += nb_ - t
        elif i + 1 < n:  # the next flex step
            x = step_end
            i += 1
        else:  # midnight
            x = 0.0
            i = 0
        t = nb_
        f = alpha * t + beta * p
    return math.inf


@_inline
def _prog(t: float, j: int, grants: np.ndarray, scale: float, bolus: Any, basal: Any) -> float:
    """Programmed volume from the cycle start to ``t`` (basal, carried bolus, granted boluses)
    when the grants at or before ``t`` are the first ``j`` (grants are strictly increasing:
    a bolus runs for a positive duration, so a second request at the same time is denied).

    ``grants[k] / scale`` is grant ``k`` in seconds (``scale`` 1.0 for seconds, 1e6 for
    whole µs); ``bolus`` is ``(vol, dur, rate, carry_rate, carry_end)``, ``basal``
    ``(ph0, w0, per_day, n, starts, rates, cum)``.
    """
    ph0, w0, per_day, n, starts, rates, cum = basal
    return _prog_on(
        _basal_cum(t, ph0, w0, per_day, n, starts, rates, cum), t, j, grants, scale, bolus
    )


@_inline
def _prog_on(
    p_basal: float, t: float, j: int, grants: np.ndarray, scale: float, bolus: Any
) -> float:
    """``_prog`` given its basal part, ``p_basal`` (``_basal_cum`` at ``t``)."""
    vol, dur, rate, carry_rate, carry_end = bolus
    p = p_basal
    if carry_end > 0.0:
        p += carry_rate * min(t, carry_end)
    # all but the last of them are complete
    if j > 0:
        p += vol * (j - 1)
        run = t - grants[j - 1] / scale
        p += vol if run >= dur else rate * run
    return p


@_inline
def _at_grant(grants: np.ndarray, k: int, scale: float, bolus: Any, basal: Any) -> float:
    """``P`` at grant ``k``, its bolus just started (as ``_prog``)."""
    return _prog(grants[k] / scale, k + 1, grants, scale, bolus, basal)


@_inline
def _reaches(
    grants: np.ndarray, k: int, scale: float, p: float, level: float, alpha: float, beta: float
) -> bool:
    """Whether ``alpha*t + beta*P`` reaches ``level`` at grant ``k``, where ``P`` is ``p``
    (``_at_grant``)."""
    return bool(alpha * (grants[k] / scale) + beta * p >= level)


def _search_key(guess: float, grants: np.ndarray) -> Any:
    """What ``grants[k] <= guess`` compares with: ``guess`` itself for grants in seconds;
    for whole-µs grants the integer at or below it (the same answer, an integer compare)."""
    raise NotImplementedError("compiled only")


@overload(_search_key, inline="always")
def _search_key_overload(guess: Any, grants: Any) -> Any:
    if isinstance(grants.dtype, types.Integer):
        # (annotated as the overload is: numba requires the same signature)
        def whole_us(guess: Any, grants: Any) -> Any:
            if guess >= 2.0**62:
                return np.int64(2**62)
            if guess >= -(2.0**62):
                return np.int64(math.floor(guess))
            return np.int64(-(2**62))  # below every grant, also for nan (no grant is <= nan)

        return whole_us

    def seconds(guess: Any, grants: Any) -> Any:
        return guess

    return seconds


@_jit_bare
def _solve(
    level: float,
    alpha: float,
    beta: float,
    t_stop: float,
    p_stop: float,
    grants: np.ndarray,
    scale: float,
    ng: int,
    bolus: Any,
    basal: Any,
) -> float:
    """First time in ``[0, t_stop]`` where ``alpha*t + beta*P(t)`` reaches ``level``, else nan.

    ``p_stop = P(t_stop)``; every grant lies before ``t_stop`` (arguments as ``_prog``).
    """
    if alpha * t_stop + beta * p_stop < level - 1e-12:
        return math.nan
    # the first grant at which the level is reached (``ng``: none) ends the crossing piece:
    # found by galloping from the grant nearest a linear guess (few evaluations, since the
    # programmed volume is nearly linear in time), then bisecting
    guess = _search_key(t_stop * (level / (alpha * t_stop + beta * p_stop)) * scale, grants)
    s = 0
    span = ng
    while span > 1:  # branch-free: the last grant at or before the guess
        half = span // 2
        s = _select(grants[s + half] <= guess, s + half, s)
        span -= half
    # ``p_lo``: ``P`` at grant ``lo`` once it is known to fall short (the walk starts there)
    p_lo = math.nan
    if ng == 0:
        lo, hi = -1, 0
    else:
        p = _at_grant(grants, s, scale, bolus, basal)
        if _reaches(grants, s, scale, p, level, alpha, beta):
            lo, hi, step = s - 1, s, 1
            while lo >= 0:
                p = _at_grant(grants, lo, scale, bolus, basal)
                if not _reaches(grants, lo, scale, p, level, alpha, beta):
                    p_lo = p
                    break
                hi = lo
                lo = hi - step
                step *= 2
        else:
            lo, hi, step, p_lo = s, s + 1, 1, p
            while hi < ng:
                p = _at_grant(grants, hi, scale, bolus, basal)
                if _reaches(grants, hi, scale, p, level, alpha, beta):
                    break
                lo, p_lo = hi, p
                hi = lo + step
                step *= 2
            hi = min(hi, ng)
    lo = max(lo + 1, 0)
    while lo < hi:
        mid = (lo + hi) // 2
        p = _at_grant(grants, mid, scale, bolus, basal)
        if _reaches(grants, mid, scale, p, level, alpha, beta):
            hi = mid
        else:
            lo, p_lo = mid + 1, p
    _, dur, rate, carry_rate, carry_end = bolus
    ph0, _, per_day, n, starts, rates, _ = basal
    if lo == 0:
        a, brate, bend = 0.0, carry_rate, carry_end
        pa = _prog(a, 0, grants, scale, bolus, basal)
    else:  # the grant before the crossing, evaluated above
        a = grants[lo - 1] / scale
        brate, bend, pa = rate, a + dur, p_lo
    bend = min(bend, t_stop)
    when = _walk(
        a, pa, level, alpha, beta, brate, bend, t_stop + 1.0, ph0, per_day, n, starts, rates
    )
    if when > t_stop:
        return math.nan
    return when


@_inline
def _cycle_solve(
    level: float,
    alpha: float,
    beta: float,
    t_stop: float,
    p_stop: float,
    in_us: bool,
    grants_us: np.ndarray,
    grants_s: np.ndarray,
    ng: int,
    bolus: Any,
    basal: Any,
) -> float:
    """``_solve`` on the cycle's grants: whole µs from the register gate, else seconds."""
    if in_us:
        return _solve(level, alpha, beta, t_stop, p_stop, grants_us, 1e6, ng, bolus, basal)
    return _solve(level, alpha, beta, t_stop, p_stop, grants_s, 1.0, ng, bolus, basal)


@_inline
def _cycle_prog(
    p_basal: float,
    t: float,
    in_us: bool,
    grants_us: np.ndarray,
    grants_s: np.ndarray,
    ng: int,
    bolus: Any,
) -> float:
    """``_prog_on`` at ``t`` after all ``ng`` grants (see ``_cycle_solve``)."""
    if in_us:
        return _prog_on(p_basal, t, ng, grants_us, 1e6, bolus)
    return _prog_on(p_basal, t, ng, grants_s, 1.0, bolus)


@_inline
def _room(longest_us: np.int64, width: int) -> np.int64:
    """Request buffer length for a cycle of ``longest_us``: what the draw writes
    (``draw.room``) and the pads the gate counts over."""
    return room(longest_us, width) + BLOCK


@_inline
def _us(s: float) -> np.int64:
    """Seconds (whole µs up to rounding, or -inf) as int64 µs."""
    return np.int64(round(s * 1e6)) if s > -math.inf else _NEVER


@_inline
def _window_gate(
    rel_us: np.ndarray,
    nreq: int,
    size: int,
    ring: np.ndarray,
    bend_s: float,
    lock_us: np.int64,
    dur_us: np.int64,
    grants_us: np.ndarray,
    gaps_us: np.ndarray,
) -> tuple[int, int, int, int]:
    """The branch-free gate on int64 µs with the last ``size - 1`` grants in registers.

    ``size`` is a constant at each call site, so ``e1`` (when the newest grant leaves the
    rolling window) to ``e7`` fold to the registers it needs. A request at ``t`` is granted
    when ``t >= gate``, the first free time: the running bolus's end (``bend``), the
    lockout's (``last + lockout - 1 µs``) and 24 h - 1 µs after the oldest of the last
    ``size`` grants; exact on whole µs. Granted times go to ``grants_us``; returns (granted,
    running, lockout, max).

    Which limit denied a request is counted after the chain, from its gap to the newest grant
    before it (``gaps_us``, room for ``nreq + BLOCK``): running if the gap is under the bolus
    duration, else lockout if under ``hold = max(duration, lockout - 1 µs)``, else the daily
    maximum. Requests before this call's first grant compare with the carried ``bend`` and
    its lockout end instead.
    """
    window = np.int64(DAY_US - 1)
    # ``e1`` to ``e7``: when the newest to the 7th newest grant leaves the rolling window
    # (grant + ``window``), so the gate's chain adds nothing to them
    e1 = (_us(ring[size - 1]) if size >= 2 else _NEVER) + window
    e2 = (_us(ring[size - 2]) if size >= 3 else _NEVER) + window
    e3 = (_us(ring[size - 3]) if size >= 4 else _NEVER) + window
    e4 = (_us(ring[size - 4]) if size >= 5 else _NEVER) + window
    e5 = (_us(ring[size - 5]) if size >= 6 else _NEVER) + window
    e6 = (_us(ring[size - 6]) if size >= 7 else _NEVER) + window
    e7 = (_us(ring[size - 7]) if size >= 8 else _NEVER) + window
    hold = max(dur_us, lock_us - 1)  # after a grant at t: busy until t + hold
    bend = _us(bend_s)
    busy = max(bend, _us(ring[size - 1]) + lock_us - 1)
    gate = max(busy, _us(ring[0]) + window)
    ng = 0
    for r in range(nreq):
        t = rel_us[r]
        tw = t + window
        ok = t >= gate
        grants_us[ng] = t
        ng += ok
        gaps_us[r] = tw - e1
        # when the oldest of the last ``size`` grants leaves the window once ``t`` is one
        expiry = tw
        if size == 2:
            expiry = e1
        elif size == 3:
            expiry = e2
        elif size == 4:
            expiry = e3
        elif size == 5:
            expiry = e4
        elif size == 6:
            expiry = e5
        elif size == 7:
            expiry = e6
        elif size == 8:
            expiry = e7
        gate = _select(ok, max(t + hold, expiry), gate)
        e7 = _select(ok, e6, e7)
        e6 = _select(ok, e5, e6)
        e5 = _select(ok, e4, e5)
        e4 = _select(ok, e3, e4)
        e3 = _select(ok, e2, e3)
        e2 = _select(ok, e1, e2)
        e1 = _select(ok, tw, e1)
    # the denials' reasons: before the first grant against the carried state, after it from
    # the gaps, in a loop the compiler vectorises over whole blocks of ``BLOCK`` (a scalar
    # remainder loop would cost as much as the blocks): the gaps already counted, the first
    # grant's and the pads to the block's end are cleared to a gap no limit denies
    first = grants_us[0] if ng > 0 else np.int64(2**62)
    n_run = n_busy = 0
    r = 0
    while r < nreq and rel_us[r] < first:
        n_run += rel_us[r] < bend
        n_busy += rel_us[r] < busy
        gaps_us[r] = _CLEAR
        r += 1
    gaps_us[r] = _CLEAR
    for k in range(np.uint64(nreq), np.uint64(nreq + BLOCK)):
        gaps_us[k] = _CLEAR
    for k in range(np.uint64((nreq + BLOCK - 1) // BLOCK * BLOCK)):
        n_run += gaps_us[k] < dur_us
        n_busy += gaps_us[k] < hold
    return ng, n_run, n_busy - n_run, nreq - ng - n_busy


@_inline
def _fast_gate(
    rel_us: np.ndarray,
    nreq: int,
    m: int,
    ring: np.ndarray,
    bend_s: float,
    lock_us: np.int64,
    dur_us: np.int64,
    grants_us: np.ndarray,
    gaps_us: np.ndarray,
) -> tuple[int, int, int, int]:
    """``_window_gate`` for a daily maximum ``m`` of 1 to ``WINDOW`` (one copy per size)."""
    if m == 1:
        return _window_gate(rel_us, nreq, 1, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    if m == 2:
        return _window_gate(rel_us, nreq, 2, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    if m == 3:
        return _window_gate(rel_us, nreq, 3, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    if m == 4:
        return _window_gate(rel_us, nreq, 4, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    if m == 5:
        return _window_gate(rel_us, nreq, 5, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    if m == 6:
        return _window_gate(rel_us, nreq, 6, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    if m == 7:
        return _window_gate(rel_us, nreq, 7, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)
    return _window_gate(rel_us, nreq, 8, ring, bend_s, lock_us, dur_us, grants_us, gaps_us)


@_inline
def _first_unheld(
    grants_us: np.ndarray,
    ng: int,
    exp0: float,
    p_base: float,
    carry_full: float,
    vol: float,
    basal: Any,
) -> int:
    """The first of the register gate's ``ng`` grants (µs from the cycle start) that the
    general gate's reservoir check denies, or ``ng``: the same check, skipped for a grant the
    reservoir holds with room to spare even at the cycle's end (``p_base``)."""
    if exp0 - (p_base + vol * ng) > 1e-6:
        return ng  # all of them (the common case: the reservoir is refilled in time)
    ph0, w0, per_day, n, starts, rates, cum = basal
    for k in range(ng):
        if exp0 - (p_base + vol * (k + 1)) > 1e-6:
            continue
        t = grants_us[k] / 1e6
        p_t = _basal_cum(t, ph0, w0, per_day, n, starts, rates, cum) + carry_full
        if vol > max(exp0 - (p_t + vol * k), 0.0) + EPS_V:
            return k
    return ng


@_inline
def _request_of(rel_us: np.ndarray, grants_us: np.ndarray, k: int) -> int:
    """The index of the request granted as grant ``k`` (the grants are a subsequence of the
    sorted requests; a request denied at a grant's time comes after it, never before)."""
    j = 0
    for r in range(rel_us.shape[0]):
        if rel_us[r] == grants_us[j]:
            if j == k:
                return r
            j += 1
    return -1  # not reached: grant ``k`` is one of the requests


@_inline
def _load_ring(grants_s: np.ndarray, i: int, m: int, ring: np.ndarray) -> None:
    """The gate's history of pump ``i``: its last ``m`` grants, oldest first (-inf padded)."""
    width = grants_s.shape[1]
    for q in range(m):
        ring[q] = grants_s[i, width - m + q] if width >= m else -math.inf


@_jit_bare
def _pump_cycles(
    lo: int,
    hi: int,
    # programs (per pump)
    n_steps: np.ndarray,
    step_starts: np.ndarray,
    step_rates: np.ndarray,
    day_anchor_us: np.ndarray,
    bolus_ml: np.ndarray,
    bolus_s: np.ndarray,
    lockout_s: np.ndarray,
    max_per_day: np.ndarray,
    flow_factor: np.ndarray,
    threshold_ml: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    eri_to_eos_s: np.ndarray,
    eri_cap_us: np.ndarray,
    eos_cap_us: np.ndarray,
    # state (updated in place)
    t_us: np.ndarray,
    exp_ml: np.ndarray,
    true_ml: np.ndarray,
    low_armed: np.ndarray,
    empty_armed: np.ndarray,
    battery_used: np.ndarray,
    eri_us: np.ndarray,
    eos_us: np.ndarray,
    grants_s: np.ndarray,
    bolus_end_s: np.ndarray,
    bolus_rate: np.ndarray,
    # requests
    generated: bool,
    req_offsets: np.ndarray,
    req_times: np.ndarray,
    lam: np.ndarray,
    thr_table: np.ndarray,
    thr_row: np.ndarray,
    seed_key: np.uint64,
    pump_id: np.ndarray,
    # target: one cycle to ``end_us``, or ``cycles`` refill intervals up to it
    end_us: np.ndarray,
    cycles: int,
    refill_each: bool,
    interval_us: np.int64,
    refill_ml: np.ndarray,
    # outputs (counts, volumes, no-flow time and alarm counts are added to)
    counts: np.ndarray,
    prog_ml: np.ndarray,
    delivered_ml: np.ndarray,
    low_at: np.ndarray,
    empty_at: np.ndarray,
    dry_at: np.ndarray,
    eri_at: np.ndarray,
    eos_at: np.ndarray,
    no_flow_s: np.ndarray,
    alarm_counts: np.ndarray,
    first_empty_us: np.ndarray,
    decisions: np.ndarray,
    record: bool,
    times: np.ndarray,
    gbuf: np.ndarray,
    ring: np.ndarray,
    rel_us: np.ndarray,
    gaps_us: np.ndarray,
    grants_us: np.ndarray,
    day_counts: np.ndarray,
    cum: np.ndarray,
) -> None:
    """Advance pumps ``lo`` to ``hi - 1`` (see ``advance``; the buffers after ``record``
    are the caller's, sized there, so nothing is allocated here)."""
    width = grants_s.shape[1]
    for i in range(lo, hi):
        # ---- the program, the same in every cycle of this pump: read once here (the
        # compiler cannot hoist it, since the cycle's stores may alias any of these arrays)
        n = n_steps[i]
        starts = step_starts[i]
        rates = step_rates[i]
        per_day = _basal_table(n, starts, rates, cum)
        vol = bolus_ml[i]
        dur = bolus_s[i]
        lock = lockout_s[i] - EPS_T
        mx = max_per_day[i]
        rate = vol / dur if dur > 0.0 else 0.0
        k_true = flow_factor[i]
        configured = vol > 0.0 and mx > 0
        m = mx if mx > 0 else 1  # the gate's history: the last ``m`` grants
        lock_us = round(lockout_s[i] * 1e6)
        dur_us = round(dur * 1e6)
        # the register gate's conditions that hold for every cycle
        gate_fits = (
            generated
            and configured
            and not record
            and m <= WINDOW
            and lock_us == lockout_s[i] * 1e6
            and dur_us == dur * 1e6
        )
        for _cycle in range(cycles):
            t0 = t_us[i]
            t1 = end_us[i]
            if refill_each:
                if t0 >= t1:
                    break
                t1 = min(t0 + interval_us, t1)
                v = refill_ml[i]
                exp_ml[i] = v
                true_ml[i] = v
                low_armed[i] = v > threshold_ml[i]
                empty_armed[i] = v > 0.0
                if v <= threshold_ml[i]:
                    alarm_counts[i, 0] += 1
                if v <= 0.0:
                    alarm_counts[i, 1] += 1
            span = (t1 - t0) / 1e6
            # ---- request times from the cycle start: generated in µs (seconds when the
            # general gate needs them), explicit in seconds
            in_seconds = not generated
            if generated:
                nreq = 0
                if lam[i] > 0.0:
                    thr = thr_table[thr_row[i]]
                    nreq = request_times(seed_key, pump_id[i], t0, t1, thr, day_counts, rel_us)
                rt = times
                r0 = 0
            else:
                r0 = req_offsets[i]
                nreq = req_offsets[i + 1] - r0
                rt = req_times
            # ---- the cycle's phase in the program's day
            phase_us = (t0 - day_anchor_us[i]) % DAY_US
            if phase_us < 0:
                phase_us += DAY_US
            ph0 = phase_us / 1e6
            w0 = _basal_within(ph0, n, starts, rates, cum)
            # ---- end of service known at the start (an earlier ERI, or the hard cap)
            eos_rel = math.inf
            if eos_us[i] >= 0:
                eos_rel = (eos_us[i] - t0) / 1e6
            eos_rel = min(eos_rel, (eos_cap_us[i] - t0) / 1e6)
            eri_known = eri_us[i] >= 0
            exp0 = exp_ml[i]
            tru0 = true_ml[i]
            used0 = battery_used[i]
            carry_end0 = bolus_end_s[i]
            carry_rate0 = bolus_rate[i]
            bolus = (vol, dur, rate, carry_rate0, carry_end0)
            basal = (ph0, w0, per_day, n, starts, rates, cum)
            # the gate's history: oldest first (relative, -inf padded)
            _load_ring(grants_s, i, m, ring)
            for _pass in range(2):
                head = 0
                last = ring[m - 1]
                bend = carry_end0
                ng = 0
                n_run = n_lock = n_max = n_low = n_eos = 0
                carry_full = carry_rate0 * max(carry_end0, 0.0)
                stop = max(min(span, eos_rel), 0.0)
                b_stop = _basal_cum(stop, ph0, w0, per_day, n, starts, rates, cum)
                p_base = b_stop + carry_full
                p_upper = p_base + vol * nreq
                check_res = exp0 - p_upper <= vol + 1e-6
                free = gate_fits and eos_rel >= span
                r_from = 0  # the general gate below decides the requests from here on
                if free:
                    # the common case: no end of service; the reservoir checked on the
                    # grants alone, and only when it may not hold them all
                    ng, n_run, n_lock, n_max = _fast_gate(
                        rel_us, nreq, m, ring, carry_end0, lock_us, dur_us, grants_us, gaps_us
                    )
                    unheld = ng
                    if check_res:
                        unheld = _first_unheld(grants_us, ng, exp0, p_base, carry_full, vol, basal)
                    if unheld < ng:
                        # the requests before the first grant the reservoir could not hold
                        # are decided as the general gate would; it decides the rest
                        r_from = _request_of(rel_us, grants_us, unheld)
                        ng, n_run, n_lock, n_max = _fast_gate(
                            rel_us, r_from, m, ring, carry_end0, lock_us, dur_us, grants_us, gaps_us
                        )
                        free = False
                        for k in range(ng):
                            gbuf[k] = grants_us[k] / 1e6
                        if ng > 0:
                            last = gbuf[ng - 1]
                            bend = last + dur
                    for k in range(max(ng - m, 0), ng):  # the ring as the general gate leaves it
                        ring[head] = grants_us[k] / 1e6
                        head = head + 1 if head + 1 < m else 0
                if not (free or in_seconds):
                    for r in range(nreq):
                        times[r] = rel_us[r] / 1e6
                    in_seconds = True
                if not configured:
                    for r in range(nreq):
                        code = NOT_CONFIGURED
                        if rt[r0 + r] >= eos_rel:
                            code = END_OF_SERVICE
                            n_eos += 1
                        if record:
                            decisions[r0 + r] = code
                elif not free:
                    for r in range(r_from, nreq):
                        t = rt[r0 + r]
                        if t >= eos_rel:
                            code = END_OF_SERVICE
                            n_eos += 1
                        elif t < bend:
                            code = RUNNING
                            n_run += 1
                        elif t - last < lock:
                            code = LOCKOUT
                            n_lock += 1
                        elif ring[head] > t - DAY + EPS_T:
                            code = DAILY_MAX
                            n_max += 1
                        else:
                            code = GRANTED
                            if check_res:
                                p_t = (
                                    _basal_cum(t, ph0, w0, per_day, n, starts, rates, cum)
                                    + carry_full
                                )
                                if vol > max(exp0 - (p_t + vol * ng), 0.0) + EPS_V:
                                    code = RESERVOIR_LOW
                                    n_low += 1
                            if code == GRANTED:
                                ring[head] = t
                                head += 1
                                if head == m:
                                    head = 0
                                last = t
                                bend = t + dur
                                gbuf[ng] = t
                                ng += 1
                        if record:
                            decisions[r0 + r] = code
                # ---- battery: ERI (solved) and the end of service it implies
                eri_t = math.nan
                if not eri_known:
                    cap = (eri_cap_us[i] - t0) / 1e6
                    solved = math.nan
                    if alpha[i] * stop + beta[i] * p_upper >= 1.0 - used0 - 1e-9:
                        p_stop = _cycle_prog(b_stop, stop, free, grants_us, gbuf, ng, bolus)
                        solved = _cycle_solve(
                            1.0 - used0,
                            alpha[i],
                            beta[i],
                            stop,
                            p_stop,
                            free,
                            grants_us,
                            gbuf,
                            ng,
                            bolus,
                            basal,
                        )
                    if cap <= stop and (math.isnan(solved) or cap < solved):
                        solved = max(cap, 0.0)
                    eri_t = solved
                    if not math.isnan(eri_t):
                        new_eos = min(eri_t + eri_to_eos_s[i], (eos_cap_us[i] - t0) / 1e6)
                        if new_eos < eos_rel and new_eos < span and _pass == 0:
                            eos_rel = new_eos
                            _load_ring(grants_s, i, m, ring)
                            continue
                        eos_rel = min(eos_rel, new_eos)
                break
            counts[i, GRANTED] += ng
            counts[i, RUNNING] += n_run
            counts[i, LOCKOUT] += n_lock
            counts[i, DAILY_MAX] += n_max
            counts[i, RESERVOIR_LOW] += n_low
            counts[i, END_OF_SERVICE] += n_eos
            counts[i, NOT_CONFIGURED] += 0 if configured else nreq - n_eos
            b_at = stop  # the basal part was computed at the last pass's stop
            stop = max(min(span, eos_rel), 0.0)
            if stop != b_at:  # an end of service found in the last pass
                b_stop = _basal_cum(stop, ph0, w0, per_day, n, starts, rates, cum)
            # ---- alarms and volumes at the stop
            p_stop = _cycle_prog(b_stop, stop, free, grants_us, gbuf, ng, bolus)
            la = math.nan
            if low_armed[i] and exp0 - p_stop <= threshold_ml[i] + EPS_V:
                la = _cycle_solve(
                    exp0 - threshold_ml[i],
                    0.0,
                    1.0,
                    stop,
                    p_stop,
                    free,
                    grants_us,
                    gbuf,
                    ng,
                    bolus,
                    basal,
                )
                if not math.isnan(la):
                    low_armed[i] = False
            ea = math.nan
            if empty_armed[i] and exp0 - p_stop <= EPS_V:
                ea = _cycle_solve(
                    exp0, 0.0, 1.0, stop, p_stop, free, grants_us, gbuf, ng, bolus, basal
                )
                if not math.isnan(ea):
                    empty_armed[i] = False
            da = math.nan
            if tru0 <= 0.0:
                da = 0.0
            elif k_true > 0.0 and tru0 - k_true * p_stop <= EPS_V:
                da = _cycle_solve(
                    tru0, 0.0, k_true, stop, p_stop, free, grants_us, gbuf, ng, bolus, basal
                )
            low_at[i] = la
            empty_at[i] = ea
            dry_at[i] = da
            eri_at[i] = eri_t
            eos_at[i] = eos_rel if 0.0 <= eos_rel < span else math.nan
            prog_ml[i] += p_stop
            out = min(k_true * p_stop, tru0) if tru0 > 0.0 else 0.0
            delivered_ml[i] += out
            flowing = span if math.isnan(da) else da
            if eos_rel < flowing:
                flowing = max(eos_rel, 0.0)
            no_flow_s[i] += span - flowing
            if not math.isnan(la):
                alarm_counts[i, 0] += 1
            if not math.isnan(ea):
                alarm_counts[i, 1] += 1
                if first_empty_us[i] < 0:
                    first_empty_us[i] = t0 + np.int64(round(ea * 1e6))
            # ---- the state at the cycle's end (time measured from the next cycle's start)
            exp_ml[i] = max(exp0 - p_stop, 0.0)
            true_ml[i] = tru0 - out
            if not eri_known:
                if math.isnan(eri_t):
                    battery_used[i] = used0 + alpha[i] * span + beta[i] * p_stop
                else:
                    eri_us[i] = t0 + np.int64(round(eri_t * 1e6))
                    eos_us[i] = t0 + np.int64(round(eos_rel * 1e6))
            if eos_rel <= span:
                bolus_end_s[i] = 0.0
                bolus_rate[i] = 0.0
            elif ng > 0:
                newest = grants_us[ng - 1] / 1e6 if free else gbuf[ng - 1]
                bolus_end_s[i] = max(newest + dur - span, 0.0)
                bolus_rate[i] = rate
            else:
                bolus_end_s[i] = max(carry_end0 - span, 0.0)
                bolus_rate[i] = carry_rate0 if carry_end0 > span else 0.0
            # the ring, oldest first, rebased to the next cycle's start
            for q in range(width - min(m, width)):
                grants_s[i, q] = -math.inf
            at = head  # the oldest
            for q in range(min(m, width)):
                grants_s[i, width - m + q] = ring[at] - span
                at = at + 1 if at + 1 < m else 0
            t_us[i] = t1


@nb.njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def advance(
    # programs (per pump)
    n_steps: np.ndarray,
    step_starts: np.ndarray,
    step_rates: np.ndarray,
    day_anchor_us: np.ndarray,
    bolus_ml: np.ndarray,
    bolus_s: np.ndarray,
    lockout_s: np.ndarray,
    max_per_day: np.ndarray,
    flow_factor: np.ndarray,
    threshold_ml: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    eri_to_eos_s: np.ndarray,
    eri_cap_us: np.ndarray,
    eos_cap_us: np.ndarray,
    # state (updated in place)
    t_us: np.ndarray,
    exp_ml: np.ndarray,
    true_ml: np.ndarray,
    low_armed: np.ndarray,
    empty_armed: np.ndarray,
    battery_used: np.ndarray,
    eri_us: np.ndarray,
    eos_us: np.ndarray,
    grants_s: np.ndarray,
    bolus_end_s: np.ndarray,
    bolus_rate: np.ndarray,
    # requests
    generated: bool,
    req_offsets: np.ndarray,
    req_times: np.ndarray,
    lam: np.ndarray,
    thr_table: np.ndarray,
    thr_row: np.ndarray,
    seed_key: np.uint64,
    pump_id: np.ndarray,
    # target: one cycle to ``end_us``, or ``cycles`` refill intervals up to it
    end_us: np.ndarray,
    cycles: int,
    refill_each: bool,
    interval_us: np.int64,
    refill_ml: np.ndarray,
    # outputs (counts, volumes, no-flow time and alarm counts are added to)
    counts: np.ndarray,
    prog_ml: np.ndarray,
    delivered_ml: np.ndarray,
    low_at: np.ndarray,
    empty_at: np.ndarray,
    dry_at: np.ndarray,
    eri_at: np.ndarray,
    eos_at: np.ndarray,
    no_flow_s: np.ndarray,
    alarm_counts: np.ndarray,
    first_empty_us: np.ndarray,
    decisions: np.ndarray,
    record: bool,
    chunks: int,
) -> None:
    """Advance every pump from ``t_us``: one cycle to ``end_us`` (no refill inside), or with
    ``refill_each`` up to ``cycles`` cycles of ``interval_us``, each after a full refill to
    ``refill_ml``, stopping at ``end_us``."""
    npumps = t_us.shape[0]
    width = grants_s.shape[1]
    nchunks = min(npumps, chunks)
    cap = np.int64(BLOCK)  # the longest request buffer a cycle needs
    for i in range(npumps):
        if generated:
            longest = interval_us if refill_each else end_us[i] - t_us[i]
            cap = max(cap, _room(longest, thr_table.shape[1]))
        else:
            cap = max(cap, np.int64(req_offsets[i + 1] - req_offsets[i]))
    for c in nb.prange(nchunks):
        times = np.empty(cap, dtype=np.float64)
        gbuf = np.empty(cap, dtype=np.float64)
        ring = np.empty(max(width, 1), dtype=np.float64)
        rel_us = np.empty(cap, dtype=np.int64)
        gaps_us = np.empty(cap, dtype=np.int64)
        grants_us = np.empty(cap, dtype=np.int64)
        day_counts = np.empty(ROW, dtype=np.int64)
        cum = np.empty(step_starts.shape[1] + 1, dtype=np.float64)
        _pump_cycles(
            c * npumps // nchunks,
            (c + 1) * npumps // nchunks,
            n_steps,
            step_starts,
            step_rates,
            day_anchor_us,
            bolus_ml,
            bolus_s,
            lockout_s,
            max_per_day,
            flow_factor,
            threshold_ml,
            alpha,
            beta,
            eri_to_eos_s,
            eri_cap_us,
            eos_cap_us,
            t_us,
            exp_ml,
            true_ml,
            low_armed,
            empty_armed,
            battery_used,
            eri_us,
            eos_us,
            grants_s,
            bolus_end_s,
            bolus_rate,
            generated,
            req_offsets,
            req_times,
            lam,
            thr_table,
            thr_row,
            seed_key,
            pump_id,
            end_us,
            cycles,
            refill_each,
            interval_us,
            refill_ml,
            counts,
            prog_ml,
            delivered_ml,
            low_at,
            empty_at,
            dry_at,
            eri_at,
            eos_at,
            no_flow_s,
            alarm_counts,
            first_empty_us,
            decisions,
            record,
            times,
            gbuf,
            ring,
            rel_us,
            gaps_us,
            grants_us,
            day_counts,
            cum,
        )
