package org.vaelab.spec;

import java.util.Objects;

/**
 * KL warm-up schedule.
 *
 * @param schedule none, linear (0 to beta over {@code epochs}) or cyclical (Fu et al. 2019)
 * @param epochs   length of the linear ramp, in epochs
 * @param cycles   number of cycles over the whole training run (cyclical)
 * @param ratio    fraction of each cycle spent ramping up (cyclical)
 */
public record WarmupSpec(WarmupSchedule schedule, int epochs, int cycles, double ratio) {
    public static final WarmupSpec DEFAULT = new WarmupSpec(WarmupSchedule.NONE, 0, 4, 0.5);

    public WarmupSpec {
        Objects.requireNonNull(schedule, "loss.warmup.schedule");
        SpecKeys.require("loss.warmup.epochs", epochs);
        SpecKeys.require("loss.warmup.cycles", cycles);
        SpecKeys.require("loss.warmup.ratio", ratio);
    }
}
