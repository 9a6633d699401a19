"""Statistics of a trial's own data: reliability from repeated trials
(:mod:`alsmotion.stats.reliability`), change over visits (:mod:`alsmotion.stats.trajectories`)
and the tables built from the visit exports (:mod:`alsmotion.stats.tables`)."""
