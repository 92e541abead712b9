"""Analyses of a stream against configs: the behavioural diff of two configs
(:mod:`actions.analysis.diff`) and the profile of a stream (:mod:`actions.analysis.profile`,
drawn by :mod:`actions.analysis.html`), run over several processes by
:mod:`actions.analysis.parallel`; :mod:`actions.analysis.settingreads` tells which requests the
diff may show as they are sent. See docs/plans.md."""

from actions.analysis.diff import Differ, diff_events
from actions.analysis.profile import Profiler, drift, profile_events

__all__ = ["Differ", "Profiler", "diff_events", "drift", "profile_events"]
