package org.vaelab.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.Reconstruction;

/**
 * A VAE: its architecture, its parameters and the graphs over them, with the operations the trainer,
 * the diagnostics and the report need (encode, decode, reconstruct, evaluate, importance weights).
 * Not thread-safe. Close it to release its native memory.
 */
public final class VaeModel implements AutoCloseable {
    /** Rows per graph call when a method is given many examples: large calls amortise SameDiff's per-op cost. */
    public static final int CHUNK = 1000;
    /** Decoder rows per call when computing importance weights (examples x samples). */
    private static final int LOGW_ROWS = 8192;

    private final VaeArchitecture arch;
    private final Parameters params;
    /** Non-trainable state (batchnorm's running statistics): updated by training, read by evaluation. */
    private final ModelState state;
    private final Objective training;
    private final Reconstruction reconstruction;
    private SameDiff trainGraph;
    private SameDiff evalGraph;
    private SameDiff decodeGraph;
    private final Map<Integer, SameDiff> logWeightGraphs = new HashMap<>();
    private FastGradientStep evalEngine;
    /** Floats of the widest activation per fast-forward block, and the fewest rows a block has. */
    private int blockFloats = 1 << 21;
    private int minBlock = 64;
    private GradientStep step;

    private VaeModel(VaeArchitecture arch, Parameters params, Objective training) {
        this.arch = arch;
        this.params = params;
        this.state = new ModelState(arch.state(), params.dataType());
        this.training = training;
        this.reconstruction = training.reconstruction();
    }

    /**
     * A freshly initialised model (PyTorch-style uniform init from {@code initSeed}).
     *
     * @param dtype FLOAT for training; DOUBLE for gradient checks
     */
    public static VaeModel create(ModelSpec model, LossSpec loss, int rows, int cols, DataType dtype, long initSeed) {
        return create(VaeArchitecture.of(model, rows, cols), Objective.of(loss), dtype, initSeed);
    }

    /** A freshly initialised model for an architecture and training objective. */
    public static VaeModel create(VaeArchitecture arch, Objective objective, DataType dtype, long initSeed) {
        Parameters p = new Parameters(arch.parameters(), dtype);
        p.initialise(initSeed);
        return new VaeModel(arch, p, objective);
    }

    /** The architecture. */
    public VaeArchitecture architecture() {
        return arch;
    }

    /** The parameters (one flat buffer). */
    public Parameters parameters() {
        return params;
    }

    /**
     * The non-trainable state (batchnorm's running statistics; size 0 without): saved in checkpoints, updated
     * by training steps, used by every evaluation (encode, decode, evaluate, importance weights).
     */
    public ModelState state() {
        return state;
    }

    /** The state buffer for the engine, or null for a model without state. */
    private INDArray stateBuffer() {
        return state.size() == 0 ? null : state.flat();
    }

    /** {@code feed} plus the state entries graph {@code g} has placeholders for (a mutable copy). */
    private Map<String, INDArray> withState(SameDiff g, Map<String, INDArray> feed) {
        Map<String, INDArray> out = new HashMap<>(feed);
        for (String n : state.names()) {
            if (g.hasVariable(n)) {
                out.put(n, state.view(n).dup());
            }
        }
        return out;
    }

    /** The training objective. */
    public Objective objective() {
        return training;
    }

    /** The training graph (built on first use). */
    public SameDiff trainingGraph() {
        if (trainGraph == null) {
            trainGraph = VaeGraphs.objective(arch, params, training);
        }
        return trainGraph;
    }

    /** How a model runs: the engine's fast layers, or SameDiff. */
    private enum Path { FAST, SAMEDIFF }

    /**
     * The one place that picks the implementation: the engine ({@link FastGradientStep}: OpenBLAS and the SIMD
     * kernels) for FLOAT models where {@link FastPath#openBlasAvailable()} (ND4J's CPU backend), else SameDiff
     * (DOUBLE, the CUDA backend, or {@code -Dvaelab.engine=samediff}, which forces the graph everywhere for
     * comparisons).
     * Training and evaluation (encode, decode, evaluate, importance weights) follow the same choice.
     */
    private static Path path(DataType dtype) {
        if (samediffForced() || dtype != DataType.FLOAT || !FastPath.openBlasAvailable()) {
            return Path.SAMEDIFF;
        }
        return Path.FAST;
    }

    private Path path() {
        return path(params.dataType());
    }

    /** The forward/backward step of the training objective (see {@link #path} for which). */
    public GradientStep gradientStep() {
        if (step == null) {
            step = switch (path()) {
                case FAST -> new FastGradientStep(arch, params, stateBuffer(), training, Kernels.best(), true);
                case SAMEDIFF -> new SameDiffGradientStep(trainingGraph(), params, arch, training.samples(), state);
            };
        }
        return step;
    }

    private static boolean samediffForced() {
        return "samediff".equals(System.getProperty("vaelab.engine"));
    }

    /**
     * Which implementation trains this model, for provenance: "fast-openblas+vector512" (the engine; the
     * kernels' name) or "samediff".
     */
    public String engine() {
        return name(path());
    }

    /** Which implementation trains a FLOAT model of {@code spec} in this JVM. */
    public static String engine(ModelSpec spec) {
        return name(path(DataType.FLOAT));
    }

    private static String name(Path p) {
        return switch (p) {
            case FAST -> "fast-openblas+" + Kernels.best().name();
            case SAMEDIFF -> "samediff";
        };
    }

    /** The forward-only engine for evaluation, encoding, decoding and importance weights (built on first use). */
    private FastGradientStep evalEngine() {
        if (evalEngine == null) {
            evalEngine = new FastGradientStep(arch, params, stateBuffer(), Objective.trueElbo(reconstruction),
                    Kernels.best(), false);
        }
        return evalEngine;
    }

    /**
     * Examples (or decoder rows) per call of the fast forward: about 8 MB of floats in the widest activation,
     * so the layers' buffers stay small while each sgemm still has hundreds of rows.
     */
    private int blockRows(FastGradientStep e) {
        return Math.max(minBlock, Math.min(CHUNK * 8, blockFloats / e.widest()));
    }

    /** Smaller row blocks for the fast forward (tests cross block boundaries with small models). */
    void blocks(int floats, int minRows) {
        this.blockFloats = floats;
        this.minBlock = minRows;
    }

    private SameDiff evalGraph() {
        if (evalGraph == null) {
            evalGraph = VaeGraphs.objective(arch, params, Objective.trueElbo(reconstruction), false);
        }
        return evalGraph;
    }

    private SameDiff decodeGraph() {
        if (decodeGraph == null) {
            decodeGraph = VaeGraphs.decoder(arch, params);
        }
        return decodeGraph;
    }

    /**
     * Per-example results of the true negative ELBO on one batch (beta = 1, one sample, no free bits).
     *
     * @param recon        reconstruction NLL per example, nats
     * @param squaredError summed squared error per example (mse), else null
     * @param mu           posterior means [n][d]
     * @param logvar       posterior log-variances [n][d]
     */
    public record BatchEvaluation(double[] recon, double[] squaredError, double[][] mu, double[][] logvar) {
    }

    /**
     * Evaluates one batch in a single graph call.
     *
     * @param x   [n, D]
     * @param eps [n, d] noise for the one reconstruction sample
     */
    public BatchEvaluation evaluate(INDArray x, INDArray eps) {
        checkRows("x", x, arch.dim());
        checkRows("eps", eps, arch.latentDim());
        if (eps.size(0) != x.size(0)) {
            throw new IllegalArgumentException("eps: expected " + x.size(0) + " rows, got " + eps.size(0));
        }
        if (path() == Path.FAST) {
            return fastEvaluate(floats(x), floats(eps), (int) x.size(0));
        }
        List<String> outs = reconstruction == Reconstruction.MSE
                ? List.of(GraphNames.MU, GraphNames.LOGVAR, GraphNames.RECON_ROWS, GraphNames.SQERR_ROWS)
                : List.of(GraphNames.MU, GraphNames.LOGVAR, GraphNames.RECON_ROWS);
        boolean one = x.size(0) == 1;
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(GraphNames.X, one ? twice(x, 1) : x);
        feed.put(GraphNames.EPS, one ? twice(eps, 1) : eps);
        Map<String, INDArray> o = evalGraph().output(withState(evalGraph(), feed), outs);
        int n = (int) x.size(0);
        BatchEvaluation r = new BatchEvaluation(first(o.get(GraphNames.RECON_ROWS).toDoubleVector(), n),
                reconstruction == Reconstruction.MSE ? first(o.get(GraphNames.SQERR_ROWS).toDoubleVector(), n) : null,
                first(o.get(GraphNames.MU).toDoubleMatrix(), n), first(o.get(GraphNames.LOGVAR).toDoubleMatrix(), n));
        o.values().forEach(INDArray::close);
        return r;
    }

    private BatchEvaluation fastEvaluate(float[] x, float[] eps, int n) {
        FastGradientStep e = evalEngine();
        int d = arch.latentDim();
        int dim = arch.dim();
        double[] recon = new double[n];
        double[] se = reconstruction == Reconstruction.MSE ? new double[n] : null;
        double[][] mu = new double[n][];
        double[][] lv = new double[n][];
        int block = blockRows(e);
        for (int s = 0; s < n; s += block) {
            int m = Math.min(block, n - s);
            FastGradientStep.Forward f = e.forward(Estimator.ELBO, x, s * dim, eps, s * d, m, 1);
            for (int i = 0; i < m; i++) {
                recon[s + i] = f.nll()[i];
                if (se != null) {
                    se[s + i] = f.sqErr()[i];
                }
                mu[s + i] = row(f.mu(), i, d);
                lv[s + i] = row(f.logvar(), i, d);
            }
        }
        return new BatchEvaluation(recon, se, mu, lv);
    }

    private static double[] row(float[] a, int i, int d) {
        double[] r = new double[d];
        for (int j = 0; j < d; j++) {
            r[j] = a[i * d + j];
        }
        return r;
    }

    /** The values of a FLOAT array in row-major order. */
    private static float[] floats(INDArray a) {
        INDArray c = a.ordering() == 'c' && a.elementWiseStride() == 1 && !a.isView() ? a : a.dup('c');
        float[] out = new float[Math.toIntExact(c.length())];
        org.vaelab.model.layers.Blas.pointer(c).get(out, 0, out.length);
        return out;
    }

    /**
     * Posterior parameters of many examples.
     *
     * @param mu     [n][d]
     * @param logvar [n][d]
     */
    public record Encoding(double[][] mu, double[][] logvar) {
    }

    /** Encodes {@code n} examples given row-major in {@code x} (n * D values in [0, 1]). */
    public Encoding encode(float[] x, int n) {
        checkFlat(x, n);
        double[][] mu = new double[n][];
        double[][] lv = new double[n][];
        if (path() == Path.FAST) {
            FastGradientStep e = evalEngine();
            int d = arch.latentDim();
            int block = blockRows(e);
            float[] muF = new float[Math.min(block, n) * d];
            float[] lvF = new float[muF.length];
            for (int s = 0; s < n; s += block) {
                int m = Math.min(block, n - s);
                e.encode(x, s * arch.dim(), m, muF, lvF, 0);
                for (int i = 0; i < m; i++) {
                    mu[s + i] = row(muF, i, d);
                    lv[s + i] = row(lvF, i, d);
                }
            }
            return new Encoding(mu, lv);
        }
        for (int s = 0; s < n; s += CHUNK) {
            int m = Math.min(CHUNK, n - s);
            try (INDArray xa = rowsOf(x, s, m)) {
                // only the encoder runs: SameDiff executes just what the requested outputs need
                Map<String, INDArray> o = evalGraph().output(withState(evalGraph(), Map.of(GraphNames.X,
                        m == 1 ? twice(xa, 1) : xa)), GraphNames.MU, GraphNames.LOGVAR);
                System.arraycopy(o.get(GraphNames.MU).toDoubleMatrix(), 0, mu, s, m);
                System.arraycopy(o.get(GraphNames.LOGVAR).toDoubleMatrix(), 0, lv, s, m);
                o.values().forEach(INDArray::close);
            }
        }
        return new Encoding(mu, lv);
    }

    /** Decoder means sigmoid(logits) for latent codes {@code z} [m][d]: images [m][D] in [0, 1]. */
    public float[][] decode(double[][] z) {
        int d = arch.latentDim();
        float[][] out = new float[z.length][];
        if (path() == Path.FAST) {
            FastGradientStep e = evalEngine();
            int dim = arch.dim();
            int block = blockRows(e);
            float[] zf = new float[Math.min(block, z.length) * d];
            float[] img = new float[Math.min(block, z.length) * dim];
            for (int s = 0; s < z.length; s += block) {
                int m = Math.min(block, z.length - s);
                for (int i = 0; i < m; i++) {
                    if (z[s + i].length != d) {
                        throw new IllegalArgumentException("z[" + (s + i) + "]: expected " + d + " values, got "
                                + z[s + i].length);
                    }
                    for (int j = 0; j < d; j++) {
                        zf[i * d + j] = (float) z[s + i][j];
                    }
                }
                e.decodeMean(zf, m, img);
                for (int i = 0; i < m; i++) {
                    out[s + i] = java.util.Arrays.copyOfRange(img, i * dim, (i + 1) * dim);
                }
            }
            return out;
        }
        for (int s = 0; s < z.length; s += CHUNK) {
            int m = Math.min(CHUNK, z.length - s);
            double[][] part = new double[m][];
            for (int i = 0; i < m; i++) {
                if (z[s + i].length != d) {
                    throw new IllegalArgumentException("z[" + (s + i) + "]: expected " + d + " values, got "
                            + z[s + i].length);
                }
                part[i] = z[s + i];
            }
            try (INDArray za = Nd4j.createFromArray(part).castTo(params.dataType())) {
                INDArray img = decodeGraph().outputSingle(withState(decodeGraph(), Map.of(GraphNames.Z_IN,
                        m == 1 ? twice(za, 1) : za)), GraphNames.X_MEAN);
                float[][] f = img.toFloatMatrix();
                System.arraycopy(f, 0, out, s, m);
                img.close();
            }
        }
        return out;
    }

    /** Reconstructions decode(mu(x)) of {@code n} examples: the decoder mean at the posterior mean. */
    public float[][] reconstruct(float[] x, int n) {
        return decode(encode(x, n).mu());
    }

    /**
     * Importance log-weights log p(x|z_s) + log p(z_s) - log q(z_s|x) with z_s ~ q(z|x), for {@code n}
     * examples and {@code samples} samples each; log p(x) is estimated from them by log-mean-exp (Burda et
     * al. 2016). Computed in chunks of at most 8192 decoder rows; noise drawn from {@code seed}.
     *
     * @return [n][samples]
     */
    public double[][] logWeights(float[] x, int n, int samples, long seed) {
        checkFlat(x, n);
        if (samples < 1) {
            throw new IllegalArgumentException("samples: must be >= 1, got " + samples);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int sChunk = Math.min(samples, LOGW_ROWS);
        int exChunk = Math.max(1, LOGW_ROWS / sChunk);
        int d = arch.latentDim();
        double[][] out = new double[n][samples];
        boolean fast = path() == Path.FAST;
        for (int e0 = 0; e0 < n; e0 += exChunk) {
            int m = Math.min(exChunk, n - e0);
            // chunks of at most 8192 decoder rows whatever the path: the noise is drawn in this order
            try (INDArray xa = fast ? null : rowsOf(x, e0, m)) {
                for (int s0 = 0; s0 < samples; s0 += sChunk) {
                    int k = Math.min(sChunk, samples - s0);
                    double[] noise = new double[k * m * d];
                    for (int i = 0; i < noise.length; i++) {
                        noise[i] = rng.nextGaussian();
                    }
                    if (fast) {
                        // the fast forward: same function, no graph, and no native garbage (the graph's
                        // intermediates for 8192 decoder rows held gigabytes until the collector found them)
                        fastLogWeights(x, e0, m, k, noise, out, s0);
                        continue;
                    }
                    SameDiff g = logWeightGraphs.computeIfAbsent(k,
                            kk -> VaeGraphs.objective(arch, params, Objective.importance(reconstruction, kk), false));
                    try (INDArray eps = Nd4j.createFromArray(noise).castTo(params.dataType()).reshape(k * m, d);
                         INDArray beta = Nd4j.scalar(params.dataType(), 1.0)) {
                        INDArray lw = g.outputSingle(withState(g, Map.of(GraphNames.X, m == 1 ? twice(xa, 1) : xa,
                                GraphNames.EPS, m == 1 ? twice(eps, k) : eps, GraphNames.BETA, beta)),
                                GraphNames.LOG_WEIGHTS); // [k, m] (or [k, 2] for m = 1: column 0 is used)
                        double[][] w = lw.toDoubleMatrix();
                        for (int kk = 0; kk < k; kk++) {
                            for (int i = 0; i < m; i++) {
                                out[e0 + i][s0 + kk] = w[kk][i];
                            }
                        }
                        lw.close();
                    }
                }
            }
        }
        return out;
    }

    /**
     * Log-weights of examples {@code e0 .. e0 + m} for samples {@code s0 .. s0 + k} with {@code noise} (k * m * d,
     * sample-major) into {@code out}, in blocks of examples and samples that keep the engine's buffers small.
     */
    private void fastLogWeights(float[] x, int e0, int m, int k, double[] noise, double[][] out, int s0) {
        FastGradientStep e = evalEngine();
        int d = arch.latentDim();
        int block = blockRows(e);
        int mb = Math.min(m, block);
        int kb = Math.max(1, Math.min(k, block / mb));
        float[] eps = new float[kb * mb * d];
        for (int i1 = 0; i1 < m; i1 += mb) {
            int mm = Math.min(mb, m - i1);
            for (int s1 = 0; s1 < k; s1 += kb) {
                int kk = Math.min(kb, k - s1);
                // the block's noise, sample-major: sample s of example i is row s * m + i of the chunk's noise
                for (int s = 0; s < kk; s++) {
                    for (int i = 0; i < mm; i++) {
                        int src = ((s1 + s) * m + i1 + i) * d;
                        int dst = (s * mm + i) * d;
                        for (int j = 0; j < d; j++) {
                            eps[dst + j] = (float) noise[src + j];
                        }
                    }
                }
                double[] w = e.forward(Estimator.IWAE, x, (e0 + i1) * arch.dim(), eps, 0, mm, kk).logW();
                for (int s = 0; s < kk; s++) {
                    for (int i = 0; i < mm; i++) {
                        out[e0 + i1 + i][s0 + s1 + s] = w[s * mm + i];
                    }
                }
            }
        }
    }

    /**
     * A batch of one example, doubled: SameDiff M2.1's fused relu_layer refuses a [1, n] input ("Op validation
     * failed"). {@code a} holds {@code samples} rows for the one example; the result holds each row twice, in the
     * sample-major layout of two examples (rows 2k and 2k+1 are sample k).
     */
    static INDArray twice(INDArray a, int samples) {
        INDArray out = Nd4j.create(a.dataType(), 2L * samples, a.size(1));
        for (int k = 0; k < samples; k++) {
            out.putRow(2L * k, a.getRow(k));
            out.putRow(2L * k + 1, a.getRow(k));
        }
        return out;
    }

    private static double[] first(double[] v, int n) {
        return v.length == n ? v : java.util.Arrays.copyOf(v, n);
    }

    private static double[][] first(double[][] v, int n) {
        return v.length == n ? v : java.util.Arrays.copyOf(v, n);
    }

    /** Rows {@code start .. start+m} of a row-major float array as a fresh [m, D] array of the model's type. */
    INDArray rowsOf(float[] x, int start, int m) {
        int dim = arch.dim();
        float[] part = new float[m * dim];
        System.arraycopy(x, start * dim, part, 0, m * dim);
        INDArray a = Nd4j.create(params.dataType(), m, dim);
        Arrays2.copyInto(a, part);
        return a;
    }

    private void checkFlat(float[] x, int n) {
        if (n < 0 || (long) n * arch.dim() != x.length) {
            throw new IllegalArgumentException("x: expected " + n + " x " + arch.dim() + " = "
                    + ((long) n * arch.dim()) + " values, got " + x.length);
        }
    }

    private static void checkRows(String name, INDArray a, int cols) {
        if (a.rank() != 2 || a.size(1) != cols) {
            throw new IllegalArgumentException(name + ": expected [n, " + cols + "], got "
                    + java.util.Arrays.toString(a.shape()));
        }
    }

    @Override
    public void close() {
        if (step != null) {
            step.close();
        }
        params.close();
        state.close();
        trainGraph = null;
        evalGraph = null;
        decodeGraph = null;
        logWeightGraphs.clear();
        if (evalEngine != null) {
            evalEngine.close();
            evalEngine = null;
        }
    }
}
