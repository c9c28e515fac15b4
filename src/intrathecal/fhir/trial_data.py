"""A stored trial's record read back into the core's typed form (for pain scores and doses)."""

from __future__ import annotations

from intrathecal.clinic.records import Trial
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import TrialRecord, trial_record_from_dict


def trial_record(trial: Trial) -> TrialRecord:
    """The typed trial record (it was validated when the trial was recorded)."""
    return trial_record_from_dict(dict(trial.record), load_trial_config().side_effects)
