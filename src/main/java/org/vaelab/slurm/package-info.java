/**
 * Handing a sweep to Slurm: the submission's options and their validation, the batch scripts (pure text),
 * the record of submissions beside the results, and the one class that runs sbatch, squeue, sacct and
 * scontrol. vaelab submits to Slurm and schedules nothing itself: a task trains one run through the same
 * code as {@code vaelab run}, and the run store's locks and checkpoints make resubmission safe.
 */
package org.vaelab.slurm;
