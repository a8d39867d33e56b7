package org.vaelab.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run trained by a Slurm task records the job, task, node and attempt; elsewhere nothing of Slurm. */
class ProvenanceSlurmTest {
    @Test
    void slurmsVariablesBecomeTheRunsJobTaskNodeAndAttempt() {
        Map<String, Object> s = Provenance.slurm(Map.of("SLURM_JOB_ID", "42", "SLURM_ARRAY_JOB_ID", "40",
                "SLURM_ARRAY_TASK_ID", "2", "SLURMD_NODENAME", "node7", "SLURM_RESTART_COUNT", "3",
                "SLURM_CLUSTER_NAME", "c1"));
        assertEquals(Map.of("job_id", "42", "array_job_id", "40", "array_task_id", "2", "node", "node7",
                "restart_count", 3, "cluster", "c1"), s);
        assertEquals(0, Provenance.slurm(Map.of("SLURM_JOB_ID", "42")).get("restart_count"), "first attempt");
        assertTrue(Provenance.slurm(Map.of("PATH", "/bin")).isEmpty(), "outside Slurm");
    }
}
