/**
 * One training run end to end ({@link org.vaelab.train.Trainer}): seeded random streams per run and epoch,
 * the KL weight schedules (linear warm-up; cyclical as in Fu et al. 2019), Adam with global-norm clipping on
 * a flat parameter buffer, a NaN/Inf guard every step, the test-set true ELBO per epoch, per-epoch
 * checkpoints that a killed run resumes from, and the metrics of every epoch; at the end, the trained model's
 * pictures for the report ({@link org.vaelab.train.RunVisualsBuilder}).
 */
package org.vaelab.train;
