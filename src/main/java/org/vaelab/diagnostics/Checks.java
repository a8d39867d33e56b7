package org.vaelab.diagnostics;

/** Argument checks shared by the diagnostics: they name the argument, the position and the fix. */
final class Checks {
    private Checks() {
    }

    /**
     * Checks that {@code m} is a non-empty rectangular matrix of finite values and returns its column count.
     * Non-finite encodings mean the run diverged; the trainer has to say so instead of asking for diagnostics.
     */
    static int finiteMatrix(String name, double[][] m) {
        if (m == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        if (m.length == 0) {
            throw new IllegalArgumentException(name + ": needs at least one row (example), got 0");
        }
        if (m[0] == null || m[0].length == 0) {
            throw new IllegalArgumentException(name + ": row 0 has no columns; expected one column per latent dimension");
        }
        int d = m[0].length;
        for (int i = 0; i < m.length; i++) {
            double[] row = m[i];
            if (row == null || row.length != d) {
                throw new IllegalArgumentException(name + ": row " + i + " has " + (row == null ? "no" : row.length)
                        + " columns, row 0 has " + d + "; all rows must have the same length");
            }
            for (int k = 0; k < d; k++) {
                if (!Double.isFinite(row[k])) {
                    throw new IllegalArgumentException(name + "[" + i + "][" + k + "] = " + row[k]
                            + ": diagnostics need finite values (a NaN/Inf encoding means the run diverged)");
                }
            }
        }
        return d;
    }

    /** Checks two finite matrices of the same shape (posterior means and log-variances) and returns d. */
    static int sameShape(double[][] mu, double[][] logvar) {
        int d = finiteMatrix("mu", mu);
        int dv = finiteMatrix("logvar", logvar);
        if (mu.length != logvar.length || d != dv) {
            throw new IllegalArgumentException("mu is " + mu.length + " x " + d + " but logvar is " + logvar.length
                    + " x " + dv + "; pass the encoder's mean and log-variance for the same examples");
        }
        return d;
    }

    static double finiteNonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + ": must be a finite number >= 0, got " + value);
        }
        return value;
    }
}
