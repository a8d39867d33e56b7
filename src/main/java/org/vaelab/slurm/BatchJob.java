package org.vaelab.slurm;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything the batch scripts of one submission say: where vaelab, the spec, the data and the results are,
 * which runs to train and what to ask Slurm for. Paths are absolute, since a task starts on another node.
 *
 * @param sweep     the sweep's name
 * @param launch    the command that starts vaelab: java, its options, the class path and the main class
 * @param spec      the spec file the tasks read (the copy beside the results)
 * @param sets      the --set overrides, as given
 * @param results   the results root ({@code results/}, holding {@code <sweep>/})
 * @param reports   the reports root
 * @param data      the data root
 * @param workDir   the folder the tasks start in (relative dataset paths in the spec are read from there)
 * @param slurmDir  {@code results/<sweep>/slurm}: the scripts, the submissions, {@code logs/}
 * @param indices   the run indices to train, one array task each (task id = run index)
 * @param options   the resources and limits asked of Slurm
 * @param env       environment the runs need that the launcher would have set (OPENBLAS_CORETYPE)
 * @param force     pass --force (the user overrode the name guard at submission)
 * @param written   when the scripts were written (their header says so)
 */
public record BatchJob(String sweep, List<String> launch, Path spec, List<String> sets, Path results, Path reports,
                       Path data, Path workDir, Path slurmDir, List<Integer> indices, SlurmOptions options,
                       Map<String, String> env, boolean force, String written) {
    public BatchJob {
        launch = List.copyOf(launch);
        sets = List.copyOf(sets);
        indices = List.copyOf(indices);
        env = Map.copyOf(env);
        for (Path p : List.of(spec, results, reports, data, workDir, slurmDir)) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("batch job paths must be absolute, got " + p);
            }
        }
    }

    /** Where the tasks' logs go: one file per array task and job, appended to across requeues. */
    public Path logs() {
        return slurmDir.resolve("logs");
    }

    /** The array script's path. */
    public Path trainScript() {
        return slurmDir.resolve("train.sbatch");
    }

    /** The report script's path. */
    public Path reportScript() {
        return slurmDir.resolve("report.sbatch");
    }
}
