package org.vaelab.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link GradientStep} on SameDiff's gradient function: one call gives the loss values and every parameter
 * gradient; the gradients are copied into one flat buffer for the optimiser. (SameDiff's own {@code fit} has
 * no global-norm clipping and hides its updater state, hence this route.) The call is what
 * {@code calculateGradientsAndOutputs} does, minus switching SameDiff's array release off; the step's arrays
 * come from a {@link StepArena}, reused within and across steps (see there for why). Not thread-safe.
 */
public final class SameDiffGradientStep implements GradientStep {
    private static final List<String> OUTPUTS = List.of(GraphNames.LOSS, GraphNames.RECON, GraphNames.KL);

    private final SameDiff sd;
    private final List<String> names;
    private final INDArray[] gradViews;
    private final INDArray grads;
    private final INDArray beta;
    private final Map<String, INDArray> feed = new HashMap<>();
    private final int dim;
    private final int latent;
    private final int samples;
    private final StepArena arena = new StepArena();
    private final SameDiff gradFunction;
    private final String[] gradNames;
    private final String[] requested;
    private final ModelState state;
    /** Index in {@link #requested} of the first state update (batchnorm's next running statistics). */
    private final int firstUpdate;

    /** A step for the objective graph {@code sd} built over {@code params}, for a model without state. */
    public SameDiffGradientStep(SameDiff sd, Parameters params, VaeArchitecture arch, int samples) {
        this(sd, params, arch, samples, null);
    }

    /**
     * A step for the training graph {@code sd} built over {@code params}; {@code state} (null or empty for a
     * model without) feeds the graph's state placeholders and takes the updated values after each step.
     */
    public SameDiffGradientStep(SameDiff sd, Parameters params, VaeArchitecture arch, int samples,
                                ModelState state) {
        this.sd = sd;
        this.state = state == null || state.size() == 0 ? null : state;
        if (this.state == null && !arch.state().isEmpty()) {
            throw new IllegalArgumentException("this model has state " + arch.state() + "; pass its ModelState");
        }
        this.names = params.names();
        this.grads = Nd4j.create(params.dataType(), 1, params.size());
        this.gradViews = new INDArray[names.size()];
        long off = 0;
        int i = 0;
        for (Parameters.Param p : params.list()) {
            gradViews[i++] = grads.get(NDArrayIndex.point(0), NDArrayIndex.interval(off, off + p.length()))
                    .reshape('c', p.shape());
            off += p.length();
        }
        this.beta = Nd4j.scalar(params.dataType(), 0.0);
        this.dim = arch.dim();
        this.latent = arch.latentDim();
        this.samples = samples;
        if (sd.getFunction("grad") == null) {
            sd.createGradFunction(); // what the first calculateGradientsAndOutputs would do
        }
        this.gradFunction = sd.getFunction("grad");
        this.gradNames = new String[names.size()];
        List<String> stateNames = this.state == null ? List.of() : this.state.names();
        this.requested = new String[OUTPUTS.size() + names.size() + stateNames.size()];
        this.firstUpdate = OUTPUTS.size() + names.size();
        for (int k = 0; k < stateNames.size(); k++) {
            requested[firstUpdate + k] = GraphNames.stateNext(stateNames.get(k));
        }
        for (int k = 0; k < OUTPUTS.size(); k++) {
            requested[k] = OUTPUTS.get(k);
        }
        for (int k = 0; k < names.size(); k++) {
            gradNames[k] = sd.getVariable(names.get(k)).getGradient().name();
            requested[OUTPUTS.size() + k] = gradNames[k];
        }
    }

    @Override
    public Values compute(INDArray x, INDArray eps, double betaValue) {
        // placeholder shapes are not checked by SameDiff: a wrong eps would broadcast silently
        long n = x.size(0);
        if (x.rank() != 2 || x.size(1) != dim) {
            throw new IllegalArgumentException("x: expected [n, " + dim + "], got " + java.util.Arrays.toString(x.shape()));
        }
        if (eps.rank() != 2 || eps.size(0) != samples * n || eps.size(1) != latent) {
            throw new IllegalArgumentException("eps: expected [" + samples * n + ", " + latent + "], got "
                    + java.util.Arrays.toString(eps.shape()));
        }
        if (n == 1 && state != null) {
            // doubling the example (below) would halve batchnorm's unbiased running variance update
            throw new IllegalArgumentException("batchnorm trains on batches of at least 2 examples on the SameDiff "
                    + "path, got a batch of 1");
        }
        if (n == 1) {
            // SameDiff M2.1 cannot run a batch of one example (relu_layer refuses [1, n] inputs; bias
            // gradients reduce a length-1 dimension and throw). The example twice, with the same noise, has
            // exactly the same mean loss and the same gradients (notebook 004 trains with batch size 1).
            x = VaeModel.twice(x, 1);
            eps = VaeModel.twice(eps, samples);
        }
        useArena();
        beta.assign(betaValue);
        feed.put(GraphNames.X, x);
        feed.put(GraphNames.EPS, eps);
        feed.put(GraphNames.BETA, beta);
        if (state != null) {
            for (String name : state.names()) {
                feed.put(name, state.view(name).dup());
            }
        }
        // the gradient function directly, not calculateGradientsAndOutputs: that one switches SameDiff's
        // array release off (for good: on for every call, in case someone ran calculateGradients on this
        // graph), and the arena reuses each released buffer within the step
        gradFunction.setEnableCache(true);
        Map<String, INDArray> r = gradFunction.output(feed, sd.getListeners(), requested);
        for (int i = 0; i < gradViews.length; i++) {
            gradViews[i].assign(r.get(gradNames[i]));
        }
        if (state != null) {
            Map<String, INDArray> next = new HashMap<>();
            for (int k = firstUpdate; k < requested.length; k++) {
                next.put(state.names().get(k - firstUpdate), r.get(requested[k]));
            }
            state.apply(next);
        }
        Values v = new Values(r.get(GraphNames.LOSS).getDouble(0), r.get(GraphNames.RECON).getDouble(0),
                r.get(GraphNames.KL).getDouble(0));
        arena.giveBack(r.values());
        return v;
    }

    /**
     * Runs the gradient function's session on this thread with the arena: SameDiff creates a session per
     * thread only when none is there, so one put in advance makes even the first step use the arena.
     */
    private void useArena() {
        long thread = Thread.currentThread().getId();
        Map<Long, InferenceSession> sessions = gradFunction.getSessions();
        InferenceSession session = sessions.get(thread);
        if (session == null) {
            session = new InferenceSession(gradFunction);
            sessions.put(thread, session);
        }
        if (session.getMmgr() != arena) {
            session.setMmgr(arena);
        }
    }

    /** Bytes of native buffers the step's arena holds (for probes). */
    long arenaBytes() {
        return arena.bytes();
    }

    @Override
    public INDArray gradients() {
        return grads;
    }

    @Override
    public void close() {
        arena.close();
        grads.close();
        beta.close();
    }
}
