package org.vaelab.model;

import org.vaelab.spec.Activation;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Reconstruction;

/**
 * The elementwise half of a training step on heap arrays (everything that is not a matrix product): bias and
 * activation, their backward pass, the reconstruction likelihoods and Adam. Two implementations with the same
 * arithmetic: {@link ScalarKernels} (plain loops, any JVM) and {@code VectorKernels} (the incubating Vector API,
 * whose exp and log run on the JDK's SIMD math stubs: the Bernoulli loss is an exp and a log1p per pixel, which
 * plain loops leave scalar). {@link #best()} picks one.
 */
public interface Kernels {

    /** {@code a[r][j] = fn(a[r][j] + bias[bOff + j])} in place, for {@code rows x cols}. */
    void biasActivate(float[] a, int rows, int cols, float[] bias, int bOff, Nonlinearity fn);

    /** {@link #biasActivate(float[], int, int, float[], int, Nonlinearity)} for a {@code model.activation}. */
    default void biasActivate(float[] a, int rows, int cols, float[] bias, int bOff, Activation act) {
        biasActivate(a, rows, cols, bias, bOff, Nonlinearity.of(act));
    }

    /** {@code a[i] = fn(a[i])} in place for the first {@code n} values (an activation no layer absorbed). */
    void activate(float[] a, int n, Nonlinearity fn);

    /** {@code d[i] *= fn'(pre_i)} in place for the first {@code n} values, given {@code out = fn(pre)}. */
    void activateBack(float[] d, float[] out, int n, Nonlinearity fn);

    /** {@code a[r][j] += bias[bOff + j]} in place. */
    void addBias(float[] a, int rows, int cols, float[] bias, int bOff);

    /**
     * Backward through {@code out = act(pre)} given only {@code out} (every supported nonlinearity's derivative is a
     * function of its output): {@code d *= act'(out)} in place, and {@code gBias[gOff + j] = sum_r d[r][j]}.
     */
    void activateBack(float[] d, float[] out, int rows, int cols, Nonlinearity fn, float[] gBias, int gOff);

    /** {@link #activateBack(float[], float[], int, int, Nonlinearity, float[], int)} for a {@code model.activation}. */
    default void activateBack(float[] d, float[] out, int rows, int cols, Activation act, float[] gBias, int gOff) {
        activateBack(d, out, rows, cols, Nonlinearity.of(act), gBias, gOff);
    }

    /** {@code gBias[gOff + j] = sum_r d[r][j]}. */
    void columnSums(float[] d, int rows, int cols, float[] gBias, int gOff);

    /**
     * Adds the bias to the logits {@code l} in place and writes each row's negative log-likelihood (bce: sum_j
     * softplus(l) - x l; mse: 0.5 sum_j (sigmoid(l) - x)^2 + 0.5 cols log(2 pi)) to {@code nll[r]} and, for mse,
     * the summed squared error to {@code sqErr[r]} (else {@code sqErr} may be null). Row r of the logits belongs
     * to example {@code r % examples} of {@code x}.
     */
    void reconstruction(Reconstruction rec, float[] l, float[] x, int rows, int examples, int cols, float[] bias,
                        int bOff, double[] nll, double[] sqErr);

    /**
     * Overwrites the (biased) logits {@code l} with d loss / d l = coef[r] * d nll_r / d l (bce: sigmoid(l) - x;
     * mse: (sigmoid(l) - x) sigmoid(l) (1 - sigmoid(l))) and writes its column sums to {@code gBias[gOff..]}.
     */
    void reconstructionBack(Reconstruction rec, float[] l, float[] x, int rows, int examples, int cols,
                            float[] coef, float[] gBias, int gOff);

    /**
     * One Adam step over {@code n} values in PyTorch's form (Kingma and Ba 2015, algorithm 1, epsilon added to
     * the bias-corrected sqrt(v)): m and v updated in place, {@code p -= lr * mHat / (sqrt(vHat) + eps)}. The
     * parameters and gradients are read (and the parameters written) where they live: {@code p} and {@code g}
     * hold {@code n} floats each from position 0 in native byte order, direct buffers over ND4J's memory in
     * training (copying both to the heap and back was a third of the step's memory traffic).
     *
     * @param step 1 for the first step
     */
    void adam(java.nio.ByteBuffer p, java.nio.ByteBuffer g, float[] m, float[] v, int n, double lr, double beta1,
              double beta2, double eps, long step);

    /** Sum of squares of the first {@code n} values, accumulated in double. */
    double sumOfSquares(float[] g, int n);

    /**
     * Max-pooling's backward for one window, channels {@code 0 .. c}: channel j's values are
     * {@code x[xOff + win[q] + j]} (q in row-major window order), its maximum {@code out[oOff + j]} and its
     * gradient {@code d[oOff + j]}. Writes into {@code dIn}, at the values' indices, the gradient for the first
     * value equal to the maximum (for a NaN maximum: the window's last NaN, PyTorch's rule) and 0 for the others.
     */
    default void maxPoolBack(float[] x, int xOff, int[] win, float[] out, float[] d, int oOff, int c, float[] dIn) {
        ScalarKernels.maxPoolBack(x, xOff, win, out, d, oOff, 0, c, dIn);
    }

    /** A name for provenance: "scalar" or "vector512"-style with the SIMD width in bits. */
    String name();

    /**
     * The Vector API kernels when this JVM was started with {@code --add-modules jdk.incubator.vector} (the
     * launcher and the test runner do that), else the scalar ones. {@code -Dvaelab.kernels=scalar} forces the
     * scalar ones.
     */
    static Kernels best() {
        return Holder.BEST;
    }

    /** Lazily chosen once per JVM. */
    final class Holder {
        private static final Kernels BEST = choose();

        private Holder() {
        }

        private static Kernels choose() {
            if (!"scalar".equals(System.getProperty("vaelab.kernels"))
                    && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
                try {
                    // by name: nothing else may link against the incubator module
                    return (Kernels) Class.forName("org.vaelab.model.VectorKernels").getDeclaredConstructor()
                            .newInstance();
                } catch (ReflectiveOperationException | LinkageError e) {
                    return new ScalarKernels();
                }
            }
            return new ScalarKernels();
        }
    }
}
