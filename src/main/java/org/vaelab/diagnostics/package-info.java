/**
 * Latent-space diagnostics of a trained (or training) VAE, as pure functions on {@code double[][]}:
 * the encoder's posterior means and log-variances go in, numbers come out.
 *
 * <p>What is here and where each definition comes from:
 * <ul>
 *   <li>{@link org.vaelab.diagnostics.ActiveUnits}: activity A_u = Cov_x(E_q[z_u]) and the active-unit count
 *       (Burda, Grosse and Salakhutdinov 2016, "Importance Weighted Autoencoders").</li>
 *   <li>{@link org.vaelab.diagnostics.KlPerDim}: KL(q(z_u|x) || N(0,1)) per example and dimension, and
 *       (epsilon, delta)-collapse (Lucas, Tucker, Grosse and Norouzi 2019, "Don't Blame the ELBO!").</li>
 *   <li>{@link org.vaelab.diagnostics.MutualInformation}: I(x; z) under q by the aggregate-posterior
 *       mixture (He, Spokoyny, Neubig and Berg-Kirkpatrick 2019, "Lagging Inference Networks").</li>
 *   <li>{@link org.vaelab.diagnostics.ImportanceSampling}: log p(x) from importance log-weights and the
 *       ELBO on the same weights (Burda et al. 2016).</li>
 *   <li>{@link org.vaelab.diagnostics.AggregatePosterior}: mean and sd per unit of μ(x) and of sampled z over
 *       the evaluation set, q(z) against N(0, 1) epoch by epoch (Hoffman and Johnson 2016, "ELBO surgery").</li>
 *   <li>{@link org.vaelab.diagnostics.ReplicateStats}: mean, sd and t interval over seeds, and differences of
 *       means paired by seed or by Welch's interval (Welch 1947).</li>
 *   <li>{@link org.vaelab.diagnostics.EpochDiagnostics}: all per-epoch numbers in one call;
 *       {@link org.vaelab.diagnostics.RunVerdict}: the run's {@link org.vaelab.diagnostics.Verdict} and the
 *       units' timeline.</li>
 * </ul>
 *
 * <p>This package depends on nothing else of vaelab (only Commons Math), so it can be tested on synthetic
 * encodings with known answers; docs/diagnostics.md explains each number for users.
 */
package org.vaelab.diagnostics;
