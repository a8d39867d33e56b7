package org.vaelab.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * All trainable parameters of a model in one flat buffer, with a view per parameter. The graphs bind their
 * variables to the views, so one optimiser step on the flat buffer updates every graph at once, and a
 * checkpoint is one array.
 */
public final class Parameters implements AutoCloseable {

    /**
     * One parameter tensor.
     *
     * @param name  graph variable name (see {@link GraphNames})
     * @param shape shape as the graph uses it
     * @param fanIn fan-in as PyTorch computes it for the layer this belongs to; sets the init bound
     * @param init  how the value starts (normalisation layers start at ones and zeros, as PyTorch's)
     */
    public record Param(String name, long[] shape, long fanIn, Init init) {
        /** A parameter with PyTorch's default uniform initialisation. */
        public Param(String name, long[] shape, long fanIn) {
            this(name, shape, fanIn, Init.UNIFORM_FAN_IN);
        }

        /** Number of elements. */
        public long length() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    /** Initial values: uniform in +-1/sqrt(fan_in) (Linear, Conv2d, ConvTranspose2d), or constant. */
    public enum Init { UNIFORM_FAN_IN, ONES, ZEROS }

    private final List<Param> params;
    private final DataType dtype;
    private final INDArray flat;
    private final Map<String, INDArray> views = new LinkedHashMap<>();
    private final long size;

    /** Allocates a zeroed flat buffer of {@code dtype} for {@code params} and a view per parameter. */
    public Parameters(List<Param> params, DataType dtype) {
        this.params = List.copyOf(params);
        this.dtype = dtype;
        long total = 0;
        for (Param p : params) {
            total += p.length();
        }
        this.size = total;
        // [1, P]: ND4J's updaters want row vectors
        this.flat = Nd4j.create(dtype, 1, total);
        long off = 0;
        for (Param p : params) {
            INDArray v = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(off, off + p.length()))
                    .reshape('c', p.shape());
            views.put(p.name(), v);
            off += p.length();
        }
    }

    /**
     * PyTorch's default initialisation for Linear, Conv2d and ConvTranspose2d: weights and biases uniform in
     * (-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5) reduces to this bound), drawn in
     * Java from {@code seed} in parameter order so runs are reproducible.
     */
    public void initialise(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] values = new double[Math.toIntExact(size)];
        int k = 0;
        for (Param p : params) {
            if (p.init() != Init.UNIFORM_FAN_IN) {
                // constants draw nothing, so adding a normalisation layer leaves the other layers' draws alone
                double c = p.init() == Init.ONES ? 1.0 : 0.0;
                for (long i = 0; i < p.length(); i++) {
                    values[k++] = c;
                }
                continue;
            }
            double bound = 1.0 / Math.sqrt(p.fanIn());
            for (long i = 0; i < p.length(); i++) {
                values[k++] = (2 * rng.nextDouble() - 1) * bound;
            }
        }
        flat.assign(Nd4j.createFromArray(values).castTo(dtype).reshape(1, size));
    }

    /** The parameters in buffer order. */
    public List<Param> list() {
        return params;
    }

    /** Total number of scalars. */
    public long size() {
        return size;
    }

    /** Element type of the buffer. */
    public DataType dataType() {
        return dtype;
    }

    /** The flat [1, P] buffer; writes to it are seen by every graph. */
    public INDArray flat() {
        return flat;
    }

    /** The view of parameter {@code name}. */
    public INDArray view(String name) {
        INDArray v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; have " + views.keySet());
        }
        return v;
    }

    /** Names in buffer order. */
    public List<String> names() {
        return new ArrayList<>(views.keySet());
    }

    /** A string that changes whenever names, shapes or order change: guards checkpoint compatibility. */
    public String signature() {
        StringBuilder sb = new StringBuilder();
        for (Param p : params) {
            sb.append(p).append(';');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (flat.closeable()) {
            flat.close();
        }
    }
}
