/**
 * The file-based run store: run folders with spec, provenance, metrics series, summary and checkpoints;
 * atomic writes, deterministic JSON, per-run OS locks. Follows MLflow's tracking model (params written
 * once, metrics as series, a status per run): {@link org.vaelab.tracking.RunSummary} with its
 * {@link org.vaelab.tracking.RunStatus}, {@link org.vaelab.tracking.EpochMetrics} per epoch, both built with
 * builders and written by {@link org.vaelab.tracking.Json}.
 */
package org.vaelab.tracking;
