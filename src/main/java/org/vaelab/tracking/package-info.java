/**
 * The file-based run store: run folders with spec, provenance, metrics series, summary and checkpoints;
 * atomic writes, deterministic JSON, per-run OS locks. Follows MLflow's tracking model (params written
 * once, metrics as series, a status per run).
 */
package org.vaelab.tracking;
