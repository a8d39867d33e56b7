package org.vaelab.model;

/**
 * Every SameDiff variable name vaelab's graphs use, in one place: placeholders fed per call, outputs read
 * back, and the parameter naming scheme. Code outside this class never spells a graph name itself.
 */
public final class GraphNames {
    private GraphNames() {
    }

    // ---- placeholders
    /** Pixels, [n, D] in [0, 1]. */
    public static final String X = "x";
    /** Standard normal noise for the reparameterisation, [K*n, d], sample-major (row k*n+i = sample k of example i). */
    public static final String EPS = "eps";
    /** KL weight beta_t, a scalar fed every step so schedules need no graph rebuild. */
    public static final String BETA = "beta";
    /** Latent codes fed to the decode graph, [m, d]. */
    public static final String Z_IN = "z_in";

    // ---- outputs
    /** Posterior means, [n, d]. */
    public static final String MU = "mu";
    /** Posterior log-variances, [n, d]. */
    public static final String LOGVAR = "logvar";
    /** Reparameterised samples, [K*n, d]. */
    public static final String Z = "z";
    /** Decoder logits, [K*n, D]. */
    public static final String LOGITS = "logits";
    /** Decoder mean image sigmoid(logits), [m, D] (decode graph). */
    public static final String X_MEAN = "x_mean";
    /** Reconstruction NLL per row (sample of an example), [K*n], in nats. */
    public static final String RECON_ROWS = "recon_rows";
    /** Summed squared error per row, [K*n] (mse graphs only). */
    public static final String SQERR_ROWS = "sqerr_rows";
    /** Analytic KL per example and latent dimension, [n, d]. */
    public static final String KL_DIMS = "kl_dims";
    /** Importance log-weights log p(x|z) + beta*(log p(z) - log q(z|x)), [K, n] (iwae graphs). */
    public static final String LOG_WEIGHTS = "log_weights";
    /** Reconstruction NLL averaged over rows (samples and examples), scalar. */
    public static final String RECON = "recon";
    /** Analytic KL summed over dims, averaged over examples, scalar. */
    public static final String KL = "kl";
    /** The training objective, scalar: what gradients are taken of. */
    public static final String LOSS = "loss";

    // ---- parameters: <net>_<layer><index>_<W|b>
    /** Weight of encoder dense layer i. */
    public static String encDense(int i, boolean weight) {
        return "enc_dense" + i + (weight ? "_W" : "_b");
    }

    /** Weight or bias of encoder convolution i. */
    public static String encConv(int i, boolean weight) {
        return "enc_conv" + i + (weight ? "_W" : "_b");
    }

    /** Mean head. */
    public static String encMu(boolean weight) {
        return weight ? "enc_mu_W" : "enc_mu_b";
    }

    /** Log-variance head. */
    public static String encLogvar(boolean weight) {
        return weight ? "enc_logvar_W" : "enc_logvar_b";
    }

    /** Decoder dense layer i (the last one produces the logits). */
    public static String decDense(int i, boolean weight) {
        return "dec_dense" + i + (weight ? "_W" : "_b");
    }

    /** Decoder transposed convolution i (the last one produces the logits). */
    public static String decDeconv(int i, boolean weight) {
        return "dec_deconv" + i + (weight ? "_W" : "_b");
    }

    // ---- state: <net>_<layer><index>_<mean|var>, fed as placeholders of the same name
    /**
     * The output of a training graph holding state entry {@code entry}'s value after the step (batchnorm's
     * updated running statistics), read back into the model's state buffer.
     */
    public static String stateNext(String entry) {
        return entry + "_next";
    }
}
