/**
 * One training run end to end. {@link org.vaelab.train.RunExecution} owns a run's life cycle in the run store
 * (data, status, provenance, failure capture, pictures, verdict, end) for the sweep runner and the bench alike;
 * inside it, {@link org.vaelab.train.Trainer} trains: seeded random streams per run and epoch, the KL weight
 * schedules (linear warm-up; cyclical as in Fu et al. 2019), Adam with global-norm clipping on a flat parameter
 * buffer, a NaN/Inf guard every step, the test-set true ELBO per epoch with its latent diagnostics
 * ({@link org.vaelab.train.EpochDiagnoser}), per-epoch checkpoints that a killed run resumes from, and the
 * metrics of every epoch; at the end, the trained model's pictures for the report
 * ({@link org.vaelab.train.RunVisualsBuilder}) and its verdict and log-likelihood
 * ({@link org.vaelab.train.RunFinisher}).
 */
package org.vaelab.train;
