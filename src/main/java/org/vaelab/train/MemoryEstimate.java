package org.vaelab.train;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.LayerLists;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.ModelSummary;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.Shape;

/**
 * An estimate of one training worker's peak resident memory for a run, from its config alone, so that a run
 * that cannot fit is refused before anything trains and a run that fits the machine but not the default heap
 * gets a worker with a heap that fits. Parts, in bytes (P parameters, B the batch size, S the summed per-example
 * outputs of every layer):
 * <ul>
 *   <li>parameters: 8P native (the parameters and their gradient), 8P more measured but not traced to an
 *       owner, plus 8 bytes per conv weight (the engine's transposed copies and their gradients, heap);</li>
 *   <li>optimizer: 8P on the heap, Adam's m and v (it steps the parameters and gradients where they live,
 *       natively, without copies);</li>
 *   <li>activations: B rows of every layer's output on the heap and natively, the backward deltas and the
 *       latent buffers (4 bytes each), plus the conv layers' column blocks;</li>
 *   <li>evaluation: the forward-only engine at {@link TestSet#BATCH} rows and the log-likelihood's decoder at
 *       up to 8192 rows (samples x examples);</li>
 *   <li>data: the train and test images as bytes, the test set as floats with its noise (native), and the
 *       per-example posteriors of the diagnostics (doubles);</li>
 *   <li>baseline: the JVM and ND4J's native libraries, a measured constant ({@link #BASELINE}).</li>
 * </ul>
 * The heap parts are doubled for the collector's room in the heap size ({@link #heapBytes}), not in the
 * resident estimate. Calibrated against the peak resident set of five real runs under the launcher's flags:
 * +3% to +48% of the measured peak, an overestimate where it errs (docs/performance.md, "Memory").
 *
 * @param params     trainable parameters
 * @param parameters bytes of the parameters, gradients and the engine's weight copies
 * @param optimizer  bytes of Adam's state
 * @param activations bytes of the training step's buffers at the batch size
 * @param evaluation bytes of the evaluation and log-likelihood buffers
 * @param data       bytes of the data held in memory
 * @param heapParts  the share of the above that lives on the Java heap
 */
public record MemoryEstimate(long params, long parameters, long optimizer, long activations, long evaluation,
                             long data, long heapParts) {
    /**
     * JVM, ND4J/JavaCPP/OpenBLAS libraries and their threads, the serial collector's young generation: fitted
     * to the seed MLP's measured peak (480 MB, of which the parts above are 178 MB).
     */
    public static final long BASELINE = 300L << 20;
    /** Heap besides the run's own arrays: class metadata aside, Jackson, XChart, the report's images. */
    public static final long HEAP_BASE = 256L << 20;
    /** MNIST and Fashion-MNIST sizes; idx data is sized when its files are read. */
    private static final int TRAIN = 60_000;
    private static final int TEST = 10_000;
    private static final int LOGLIK_ROWS = 8192;

    /** Peak resident bytes of a worker training this run. */
    public long total() {
        // no term for the heap's garbage: with the launcher's serial collector the young generation it
        // collects is small and inside the measured baseline (docs/performance.md, "Memory")
        return BASELINE + parameters + optimizer + activations + evaluation + data;
    }

    /**
     * The heap a worker training this run needs: the run's heap arrays twice over (a copying collector needs
     * room for garbage between collections) plus {@link #HEAP_BASE}.
     */
    public long heapBytes() {
        return HEAP_BASE + 2 * heapParts;
    }

    /**
     * The estimate for {@code cfg} on MNIST-sized data (60,000 and 10,000 images, or the subsets) of
     * {@code rows} x {@code cols}.
     */
    public static MemoryEstimate of(RunConfig cfg, int rows, int cols) {
        return of(cfg, rows, cols, TRAIN, TEST);
    }

    /** As {@link #of(RunConfig, int, int)} for data of {@code trainImages} and {@code testImages} (idx files). */
    public static MemoryEstimate of(RunConfig cfg, int rows, int cols, int trainImages, int testImages) {
        ModelSpec m = cfg.model();
        ModelSummary summary = ModelSummary.of(m, rows, cols);
        long p = summary.total();
        int dim = rows * cols;
        int latent = m.latentDim();
        long convWeights = 0;
        long sumOut = 0;
        long widest = dim;
        long colsPerRow = 0;
        long decOut = 0;
        long decWidest = dim;
        Shape in = LayerLists.input(rows, cols);
        List<LayerSpec> enc = LayerLists.encoder(m, rows, cols);
        List<LayerSpec> dec = LayerLists.decoder(m, rows, cols);
        for (int part = 0; part < 2; part++) {
            LayerSpec prev = null;
            for (LayerSpec l : part == 0 ? enc : dec) {
                Shape out = l.output(in);
                // an activation after a linear or conv layer is applied in that layer's buffer (LayerStack)
                boolean fused = l instanceof LayerSpec.Act && (prev instanceof LayerSpec.Linear
                        || prev instanceof LayerSpec.Conv || prev instanceof LayerSpec.ConvTranspose);
                prev = l;
                if (!fused) {
                    sumOut += out.size();
                    if (part == 1) {
                        decOut += out.size();
                    }
                }
                widest = Math.max(widest, out.size());
                if (part == 1) {
                    decWidest = Math.max(decWidest, out.size());
                }
                if (l instanceof LayerSpec.Conv c) {
                    long kc = (long) c.kh() * c.kw() * in.channels();
                    convWeights += kc * c.channels();
                    colsPerRow = Math.max(colsPerRow, (long) out.height() * out.width() * kc);
                } else if (l instanceof LayerSpec.ConvTranspose c) {
                    convWeights += (long) c.kh() * c.kw() * in.channels() * c.channels();
                    colsPerRow = Math.max(colsPerRow, (long) in.height() * in.width() * c.kh() * c.kw() * c.channels());
                }
                in = out;
            }
            in = Shape.vector(latent);
        }
        int b = cfg.train().batchSize();
        long k = cfg.loss().mcSamples();
        long rowsTrain = (long) b * k;
        // each layer's output (heap); the stack's shared native workspace and two delta buffers, each as wide
        // as the widest layer; the latent buffers; the batch and the logits
        long perRow = sumOut + 3 * widest + 12L * latent + 2L * dim;
        long activations = 4 * (rowsTrain * perRow + 2 * colBlock(rowsTrain, colsPerRow));
        DatasetSpec ds = cfg.dataset();
        long train = ds.subset() == null ? trainImages : Math.min(trainImages, ds.subset());
        long test = ds.testSubset() == null ? testImages : Math.min(testImages, ds.testSubset());
        long evalRows = Math.min(TestSet.BATCH, test);
        EvalSpec ev = cfg.eval();
        long loglikRows = ev.loglikSamples() <= 0 ? 0
                : Math.min(LOGLIK_ROWS, (long) ev.loglikSamples() * Math.min(ev.loglikSubset(), test));
        long evaluation = 4 * (evalRows * (sumOut + widest + 6L * latent + 2L * dim) + colBlock(evalRows, colsPerRow)
                + loglikRows * (decOut + decWidest + 2L * latent + 2L * dim));
        // bytes of both sets (and the file read once more while subsetting), the test set as floats with its
        // evaluation noise, per-example posteriors (mu, logvar) as doubles
        long data = 2 * (train + test) * dim + 4 * test * (dim + latent) + 16 * test * latent;
        // 8 bytes: the parameters and their gradient; 8 more that the measured 40M-parameter runs held beyond
        // every part counted here (not traced to an owner; docs/performance.md, "Memory")
        long parameters = 16 * p + 8 * convWeights;
        long optimizer = 8 * p;
        // heap: Adam, the weight copies, most training buffers, the images and posteriors
        long heap = optimizer + 8 * convWeights + activations / 2 + evaluation / 2 + 2 * (train + test) * dim
                + 16 * test * latent;
        return new MemoryEstimate(p, parameters, optimizer, activations, evaluation, data, heap);
    }

    /** Column floats of one block of a conv layer ({@code ConvSupport.block}'s rule). */
    private static long colBlock(long rows, long perRow) {
        if (perRow == 0) {
            return 0;
        }
        long block = Math.max(1, Math.min(rows, (1 << 17) / perRow));
        return block * perRow;
    }

    /**
     * The part that dominates and the keys that shrink it, for the refusal's fix: the parameters and Adam
     * (model.hidden / model.latent_dim / the layers' widths), the activations (train.batch_size), the
     * evaluation buffers (model.latent_dim), or the data (dataset.subset).
     */
    public List<String> keys() {
        long params = parameters + optimizer;
        long max = Math.max(Math.max(params, activations), Math.max(evaluation, data));
        if (max == params) {
            return List.of("model.hidden", "model.latent_dim", "model.encoder", "model.decoder", "model.channels");
        }
        if (max == activations) {
            return List.of("train.batch_size", "loss.mc_samples");
        }
        if (max == evaluation) {
            return List.of("model.latent_dim", "model.hidden");
        }
        return List.of("dataset.subset", "dataset.test_subset");
    }

    /** The first of {@link #keys()} that a spec writes is where the refusal points; this is the list's text. */
    public String keyText() {
        List<String> k = keys();
        return k.get(0).startsWith("model.hidden") ? "model.hidden / model.latent_dim (or the layers' widths)"
                : String.join(" / ", k);
    }

    /** The estimate in one phrase: {@code "1.4 GB (570,000 parameters; parameters and Adam 14 MB, ...)"}. */
    public String describe() {
        return bytes(total()) + " (" + parts() + ")";
    }

    /** The parts: {@code "570,000 parameters; parameters and Adam 14 MB, activations 8 MB, ..."}. */
    public String parts() {
        return String.format(Locale.ROOT, "%s parameters; parameters and Adam %s, activations %s, evaluation %s,"
                        + " data %s, JVM and ND4J %s", ModelSummary.count(params),
                bytes(parameters + optimizer), bytes(activations), bytes(evaluation), bytes(data), bytes(BASELINE));
    }

    /** Bytes as a short figure: {@code 512 MB}, {@code 1.4 GB}, {@code 612 GB}. */
    public static String bytes(long b) {
        double mb = b / (double) (1 << 20);
        if (mb < 1024) {
            return String.format(Locale.ROOT, "%.0f MB", Math.ceil(mb));
        }
        double gb = mb / 1024;
        return gb < 100 ? String.format(Locale.ROOT, "%.1f GB", gb) : String.format(Locale.ROOT, "%,.0f GB", gb);
    }

    /** This machine's (or its container's) physical memory in bytes. */
    public static long machineBytes() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
