"""The clinic's refill calendar in a study: which sites are open on which days, and for how many.

Day 0 is the study's start date; a site is open on its configured weekdays (0 = Monday).
Capacity is counted in nurse minutes and in whole visits of the configured length.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from intrathecal.sim.scheduling import ClinicSession
from intrathecal.sim.study_config import StudyConfig

I64 = NDArray[np.int64]
NONE = -1


class ClinicCalendar:
    """Open days and capacity per site over ``days`` days from the study's start."""

    def __init__(self, config: StudyConfig, days: int) -> None:
        self.sites = list(config.clinic.locations)
        first_weekday = config.start.weekday()
        self.minutes = np.zeros((len(self.sites), days), dtype=np.int64)
        for s, site in enumerate(config.clinic.locations.values()):
            for day in range(days):
                if (first_weekday + day) % 7 in site.weekdays:
                    self.minutes[s, day] = site.nurses * config.clinic.nurse_minutes_per_day
        self.visit_minutes = config.clinic.visit_minutes
        self.days = days
        # next_open[s, d]: the first open day >= d at site s (NONE past the last one)
        self.next_open = np.full((len(self.sites), days + 1), NONE, dtype=np.int64)
        for s in range(len(self.sites)):
            nxt = NONE
            for day in range(days - 1, -1, -1):
                if self.minutes[s, day] > 0:
                    nxt = day
                self.next_open[s, day] = nxt

    def visits_per_day(self, site: int, day: int) -> int:
        """Whole refill visits the site can do that day."""
        return int(self.minutes[site, day] // self.visit_minutes)

    def open_on_or_after(self, sites: I64, days: I64) -> I64:
        """Each site's first open day on or after each day (NONE if none is left)."""
        clipped = np.minimum(np.maximum(days, 0), self.days)
        return self.next_open[sites, clipped]

    def open_on_or_before(self, site: int, day: int, after: int) -> int:
        """The latest open day in (after, day] at the site, else the first one after ``after``."""
        for d in range(min(day, self.days - 1), after, -1):
            if self.minutes[site, d] > 0:
                return d
        return int(self.next_open[site, min(after + 1, self.days)])

    def sessions(self, first: int, last: int, used: NDArray[np.int64]) -> list[ClinicSession]:
        """Clinic days in [first, last) with the minutes ``used`` already taken, rebased to 0."""
        return [
            ClinicSession(self.sites[s], d - first, int(self.minutes[s, d] - used[s, d]))
            for s in range(len(self.sites))
            for d in range(first, min(last, self.days))
            if self.minutes[s, d] - used[s, d] > 0
        ]
