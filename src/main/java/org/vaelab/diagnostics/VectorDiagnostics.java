package org.vaelab.diagnostics;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The diagnostics' SIMD loops on JDK 17's incubating Vector API, used only when this JVM has the module
 * ({@link Use#SIMD}): a JVM started without {@code --add-modules jdk.incubator.vector} (plain {@code java -jar},
 * a tool that embeds vaelab) must never load this class, and gets the scalar loops, which differ only in the
 * order of additions.
 *
 * <p>Reproducibility, as in the training kernels: nothing here uses the API's transcendental lanewise ops or
 * reduceLanes, whose last bits change once HotSpot compiles a loop (SVML stubs, a tree reduction), so a run's
 * diagnostics would depend on when the JIT kicked in. The aggregate posterior's Box-Muller draws are scalar
 * (Math's log, cos and exp give the same bits interpreted and compiled) and lane sums are taken in lane order.
 */
final class VectorDiagnostics {
    private VectorDiagnostics() {
    }

    /** Whether the SIMD loops may be used; a class of its own so that asking never loads the Vector API. */
    static final class Use {
        static final boolean SIMD = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !"scalar".equals(System.getProperty("vaelab.kernels"));

        private Use() {
        }
    }

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    /**
     * sum_k (z_rk - mean_jk)^2 / var_jk for the four rows of z at {@code zOff} against every component j, into
     * {@code out[r][j]}: SIMD over k, the component's vectors shared by the four rows. Rounding differs from
     * MutualInformation's scalar distance only in the order of the additions (a few ulps of the distance).
     */
    static void mahalanobis4(double[] z, int zOff, double[] means, double[] invVar, int n, int d,
                                     double[][] out) {
        int lanes = SPECIES.length();
        int bound = SPECIES.loopBound(d);
        double[] laneSums = new double[lanes];
        for (int j = 0; j < n; j++) {
            int off = j * d;
            DoubleVector s0 = DoubleVector.zero(SPECIES);
            DoubleVector s1 = s0;
            DoubleVector s2 = s0;
            DoubleVector s3 = s0;
            int k = 0;
            for (; k < bound; k += lanes) {
                DoubleVector m = DoubleVector.fromArray(SPECIES, means, off + k);
                DoubleVector w = DoubleVector.fromArray(SPECIES, invVar, off + k);
                DoubleVector e0 = DoubleVector.fromArray(SPECIES, z, zOff + k).sub(m);
                DoubleVector e1 = DoubleVector.fromArray(SPECIES, z, zOff + d + k).sub(m);
                DoubleVector e2 = DoubleVector.fromArray(SPECIES, z, zOff + 2 * d + k).sub(m);
                DoubleVector e3 = DoubleVector.fromArray(SPECIES, z, zOff + 3 * d + k).sub(m);
                s0 = e0.mul(e0).fma(w, s0);
                s1 = e1.mul(e1).fma(w, s1);
                s2 = e2.mul(e2).fma(w, s2);
                s3 = e3.mul(e3).fma(w, s3);
            }
            double t0 = sum(s0, laneSums);
            double t1 = sum(s1, laneSums);
            double t2 = sum(s2, laneSums);
            double t3 = sum(s3, laneSums);
            for (; k < d; k++) {
                double m = means[off + k];
                double w = invVar[off + k];
                double e0 = z[zOff + k] - m;
                double e1 = z[zOff + d + k] - m;
                double e2 = z[zOff + 2 * d + k] - m;
                double e3 = z[zOff + 3 * d + k] - m;
                t0 += e0 * e0 * w;
                t1 += e1 * e1 * w;
                t2 += e2 * e2 * w;
                t3 += e3 * e3 * w;
            }
            out[0][j] = t0;
            out[1][j] = t1;
            out[2][j] = t2;
            out[3][j] = t3;
        }
    }

    /** Sum of the lanes in lane order: reduceLanes(ADD) may reassociate differently once C2 compiles it. */
    private static double sum(DoubleVector v, double[] lanes) {
        v.intoArray(lanes, 0);
        double s = 0;
        for (double x : lanes) {
            s += x;
        }
        return s;
    }
}
