package org.vaelab.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.model.layers.ParamContext;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.Reconstruction;

/**
 * Builds the SameDiff graphs of a VAE over one shared {@link Parameters} buffer: the objective graph (used for
 * training, evaluation and importance weights) and the decode graph. A model with state (batchnorm) has one
 * more placeholder per state entry, named as the entry, and a training graph one output per entry with its next
 * value ({@link GraphNames#stateNext}).
 */
public final class VaeGraphs {
    private VaeGraphs() {
    }

    /**
     * A graph whose variables ARE the views of {@code params}. SameDiff's default array holder copies every
     * array handed to {@code var(name, array)}; the single-thread holder keeps the reference, which is what
     * lets one flat optimiser step update every graph. Graphs are used from one thread only.
     */
    static SameDiff sharing(Parameters params) {
        SameDiffNoise.suppress();
        SameDiff sd = SameDiff.create();
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        reuseReleasedArrays(sd);
        return sd;
    }

    /**
     * Gives the graph's session on this thread (the thread that builds a model is the one that uses it) an
     * arena that reuses the arrays the session releases during output(). SameDiff's own array cache is sized
     * at a quarter of JavaCPP's maxbytes, which vaelab's launcher sets to 0 (unlimited), so it kept nothing,
     * and INDArray.close() does not free an M2.1 CPU buffer (see StepArena): every intermediate array waited
     * for the garbage collector. Measured on the conv model: evaluating 1000 test rows grew the resident set
     * by 250 MB per call before; the training step has its own arena (SameDiffGradientStep).
     */
    static void reuseReleasedArrays(SameDiff sd) {
        InferenceSession session = new InferenceSession(sd);
        session.setMmgr(new StepArena());
        sd.getSessions().put(Thread.currentThread().getId(), session);
    }

    private static SDVariable bind(SameDiff sd, Parameters params, String name) {
        return sd.hasVariable(name) ? sd.getVariable(name) : sd.var(name, params.view(name));
    }

    /**
     * The graph's view of the model: parameters as variables over {@code params}' views, and each state entry
     * (batchnorm's running statistics) as a placeholder of its own name, fed from the model's
     * {@link ModelState} at every call (a constant would copy the array and keep the initial statistics).
     */
    static ParamContext context(SameDiff sd, VaeArchitecture arch, Parameters params, boolean training) {
        Map<String, long[]> shapes = new HashMap<>();
        for (Parameters.Param p : arch.state()) {
            shapes.put(p.name(), p.shape());
        }
        return new ParamContext(sd, n -> bind(sd, params, n), n -> {
            long[] shape = shapes.get(n);
            if (shape == null) {
                throw new IllegalArgumentException("no state entry " + n + " in " + shapes.keySet());
            }
            return sd.hasVariable(n) ? sd.getVariable(n) : sd.placeHolder(n, params.dataType(), shape);
        }, training);
    }

    /**
     * The objective graph. Placeholders {@link GraphNames#X} [n, D], {@link GraphNames#EPS} [K*n, d] and
     * {@link GraphNames#BETA} (scalar); outputs MU, LOGVAR, Z, LOGITS, RECON_ROWS, (SQERR_ROWS for mse),
     * KL_DIMS, RECON, KL, LOSS and, for iwae, LOG_WEIGHTS. See the package documentation for the formulas.
     */
    public static SameDiff objective(VaeArchitecture arch, Parameters params, Objective obj) {
        return objective(arch, params, obj, true);
    }

    /**
     * The objective graph in training mode (batch statistics) or evaluation mode (running statistics), the
     * same outputs as {@link #objective(VaeArchitecture, Parameters, Objective)}.
     */
    public static SameDiff objective(VaeArchitecture arch, Parameters params, Objective obj, boolean training) {
        return objective(arch, params, obj, (sd, dt) -> new SDVariable[]{
                sd.placeHolder(GraphNames.X, dt, -1, arch.dim()),
                sd.placeHolder(GraphNames.EPS, dt, -1, arch.latentDim()),
                sd.placeHolder(GraphNames.BETA, dt)}, training);
    }

    /** Creates the graph's inputs {x, eps, beta}: placeholders in production, constants for GradCheckUtil. */
    interface Inputs {
        SDVariable[] create(SameDiff sd, DataType dt);
    }

    static SameDiff objective(VaeArchitecture arch, Parameters params, Objective obj, Inputs inputs) {
        return objective(arch, params, obj, inputs, true);
    }

    static SameDiff objective(VaeArchitecture arch, Parameters params, Objective obj, Inputs inputs,
                              boolean training) {
        SameDiff sd = sharing(params);
        DataType dt = params.dataType();
        int dim = arch.dim();
        int d = arch.latentDim();
        int k = obj.samples();
        SDVariable[] in = inputs.create(sd, dt);
        SDVariable x = in[0];
        SDVariable eps = in[1];
        SDVariable beta = in[2];

        ParamContext g = context(sd, arch, params, training);
        SDVariable[] heads = arch.encode(g, x);
        SDVariable mu = heads[0].rename(GraphNames.MU);
        SDVariable logvar = heads[1].rename(GraphNames.LOGVAR);
        // K samples per example: rows k*n + i, so tiling the per-example arrays K times lines them up
        SDVariable muK = k == 1 ? mu : sd.tile(mu, k, 1);
        SDVariable logvarK = k == 1 ? logvar : sd.tile(logvar, k, 1);
        SDVariable xK = k == 1 ? x : sd.tile(x, k, 1);
        SDVariable z = muK.add(GraphNames.Z, sd.math.exp(logvarK.mul(0.5)).mul(eps));
        SDVariable logits = arch.decodeLogits(g, z).rename(GraphNames.LOGITS);
        for (Map.Entry<String, SDVariable> e : g.stateUpdates().entrySet()) {
            e.getValue().rename(GraphNames.stateNext(e.getKey()));
        }

        SDVariable reconRows;
        if (obj.reconstruction() == Reconstruction.BCE) {
            reconRows = LossTerms.bernoulliNll(sd, xK, logits, dim);
        } else {
            SDVariable[] gauss = LossTerms.gaussianNll(sd, xK, logits, dim);
            reconRows = gauss[0];
            gauss[1].rename(GraphNames.SQERR_ROWS);
        }
        reconRows = reconRows.rename(GraphNames.RECON_ROWS);
        SDVariable klDims = LossTerms.klPerDim(sd, mu, logvar).rename(GraphNames.KL_DIMS);
        SDVariable recon = reconRows.mean().rename(GraphNames.RECON);
        SDVariable kl = LossTerms.sumCols(klDims, d).mean().rename(GraphNames.KL);

        if (obj.estimator() == Estimator.ELBO) {
            // E_q[-log p(x|z)] estimated by the mean over the K samples; KL analytic
            SDVariable klTerm = obj.freeBits() > 0 ? LossTerms.freeBitsKl(sd, klDims, d, x, obj.freeBits()) : kl;
            recon.add(GraphNames.LOSS, klTerm.mul(beta));
        } else {
            // Burda et al. 2016: -log 1/K sum_k w_k with log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x);
            // beta scales the prior/posterior ratio (beta = 1 is the IWAE bound)
            SDVariable ratio = LossTerms.logPriorMinusLogPosterior(sd, z, eps, logvarK, d);
            SDVariable logW = reconRows.neg().add(ratio.mul(beta)).reshape(k, -1).rename(GraphNames.LOG_WEIGHTS);
            LossTerms.logMeanExp(sd, logW, k).mean().neg().rename(GraphNames.LOSS);
        }
        sd.setLossVariables(GraphNames.LOSS);
        return sd;
    }

    /** The decode graph: {@link GraphNames#Z_IN} [m, d] to {@link GraphNames#X_MEAN} = sigmoid(logits), [m, D]. */
    public static SameDiff decoder(VaeArchitecture arch, Parameters params) {
        SameDiff sd = sharing(params);
        SDVariable z = sd.placeHolder(GraphNames.Z_IN, params.dataType(), -1, arch.latentDim());
        SDVariable logits = arch.decodeLogits(context(sd, arch, params, false), z);
        sd.nn.sigmoid(GraphNames.X_MEAN, logits);
        return sd;
    }
}
