package org.vaelab.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.data.DataSplit;
import org.vaelab.diagnostics.EpochActivity;
import org.vaelab.diagnostics.ImportanceSampling;
import org.vaelab.diagnostics.RunVerdict;
import org.vaelab.diagnostics.UnitEvent;
import org.vaelab.spec.RunConfig;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunRecorder;

/**
 * What a run's summary gets once training ends: the collapse verdict from its epochs' unit activity
 * (diagnostics.RunVerdict) and, for a completed run, the importance-sampled test log-likelihood
 * (Burda et al. 2016), with its cost.
 */
public final class RunFinisher {
    private RunFinisher() {
    }

    /**
     * Writes verdict, active units, inactive dims, timeline and log-likelihood into the summary.
     *
     * @return a one-line description of the log-likelihood estimate and its cost, or null if none was made
     */
    public static String finish(TrainResult result, RunConfig cfg, DataSplit data, RunRecorder rec) throws IOException {
        List<EpochActivity> activity = new ArrayList<>();
        for (EpochMetrics m : rec.epochs()) {
            if (m.unitActivity() != null) {
                double totalKl = m.klPerDim() == null ? m.testKl()
                        : m.klPerDim().stream().mapToDouble(Double::doubleValue).sum();
                activity.add(new EpochActivity(m.epoch(), m.unitActivity(), totalKl));
            }
        }
        boolean diverged = !result.completed();
        RunVerdict v = activity.isEmpty() && !diverged ? null
                : RunVerdict.judge(cfg.model().latentDim(), activity, cfg.eval().activeUnitThreshold(), diverged);
        Double loglik = null;
        String note = null;
        Map<String, Object> extra = new LinkedHashMap<>();
        if (result.completed() && result.model() != null) {
            ImportanceWeights w = ImportanceWeights.onTestSet(result.model(), data.test(), cfg);
            if (w != null) {
                ImportanceSampling.Result est = ImportanceSampling.estimate(w.logWeights());
                loglik = est.meanLogLikelihood();
                extra.put("loglik_elbo", est.meanElbo());
                extra.put("loglik_examples", w.logWeights().length);
                // How the examples were drawn, so that two runs' numbers are known to be comparable.
                extra.put("loglik_subset", w.logWeights().length < data.test().size()
                        ? "class-stratified random" : "all test examples");
                extra.put("loglik_subset_seed", ImportanceWeights.SUBSET_SEED);
                extra.put("loglik_subset_classes", w.classCounts());
                extra.put("loglik_test_size", data.test().size());
                extra.put("loglik_samples", cfg.eval().loglikSamples());
                extra.put("loglik_seconds", w.seconds());
                note = String.format(java.util.Locale.ROOT,
                        "log p(x) ~ %.2f nats (ELBO on the same examples %.2f) from %d samples x %d test examples"
                                + " in %.1f s", loglik, est.meanElbo(), cfg.eval().loglikSamples(),
                        w.logWeights().length, w.seconds());
            }
        }
        List<Map<String, Object>> timeline = new ArrayList<>();
        if (v != null) {
            for (UnitEvent e : v.timeline()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("unit", e.unit());
                t.put("epoch", e.epoch());
                t.put("active", e.active());
                timeline.add(t);
            }
        }
        Double ll = loglik;
        rec.updateSummary(s -> s.toBuilder().verdict(v == null ? null : v.verdict())
                .verdictDetail(v == null ? null : v.detail()).activeUnits(v == null ? null : v.activeUnits())
                .inactiveDims(v == null ? null : v.inactiveDims()).timeline(v == null ? null : timeline)
                .testLoglik(ll).extra(extra.isEmpty() ? null : extra).build());
        return note;
    }
}
