package org.vaelab.slurm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The two batch scripts of a submission as text (pure; the caller writes them): the job array that trains one
 * run per task, and the report job. Each states at its top what it needs on the nodes and how to submit it by
 * hand, so a reader of {@code results/<sweep>/slurm/} can see and repeat what was submitted.
 */
public final class BatchScriptRenderer {
    /** The exit code with which a task's run says it stopped at a checkpoint for its time limit. */
    public static final int STOPPED_FOR_REQUEUE = 3;

    private BatchScriptRenderer() {
    }

    /** The array script: task {@code i} trains run {@code i} of the sweep and requeues itself at its time limit. */
    public static String train(BatchJob job) {
        SlurmOptions o = job.options();
        int signal = o.signalSeconds();
        StringBuilder b = new StringBuilder();
        b.append("#!/bin/bash\n");
        b.append("# vaelab sweep '").append(job.sweep()).append("': one Slurm array task per run that was not completed\n");
        b.append("# at submission; the task id is the run's index in the sweep ('vaelab run SPEC --dry-run' lists them).\n");
        b.append("# Written by 'vaelab submit' at ").append(job.written()).append(".\n");
        needs(b, job);
        b.append("# Submit by hand:  sbatch ").append(job.trainScript()).append('\n');
        b.append("#   then the report:  sbatch --dependency=afterany:JOBID ").append(job.reportScript()).append('\n');
        b.append("# A task whose run is completed ends at once, so submitting the whole array again is safe.\n");
        b.append("#\n");
        b.append("# Time limit: Slurm sends USR1 to this script ").append(signal).append(" s before it (--signal); the run stops\n");
        b.append("# after its next checkpointed epoch and this task requeues itself, at most ").append(o.maxRequeues())
                .append(" times (SLURM_RESTART_COUNT),\n");
        b.append("# and resumes from that checkpoint. scancel, a node failure or preemption without a signal leave the run\n");
        b.append("# resumable from its last checkpoint: submit the sweep again.\n");
        b.append("#SBATCH --job-name=vaelab-").append(job.sweep()).append('\n');
        String array = ArrayRanges.format(job.indices());
        b.append("#SBATCH --array=").append(array).append(o.maxParallel() == null ? "" : "%" + o.maxParallel()).append('\n');
        for (String l : o.taskLines()) {
            b.append("#SBATCH ").append(l).append('\n');
        }
        b.append("#SBATCH --output=").append(job.logs().resolve("%A_%a.log")).append('\n');
        b.append("#SBATCH --open-mode=append\n");
        b.append("#SBATCH --chdir=").append(job.workDir()).append('\n');
        b.append("#SBATCH --requeue\n");
        b.append("#SBATCH --signal=B:USR1@").append(signal).append('\n');
        b.append("set -u\n");
        threads(b, job);
        b.append("max_requeues=").append(o.maxRequeues()).append('\n');
        b.append("task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n");
        b.append("echo \"vaelab: task $task (job $SLURM_JOB_ID) on $(hostname), attempt $(( ${SLURM_RESTART_COUNT:-0} + 1 )),"
                + " $(date -u +%FT%TZ)\"\n");
        List<String> cmd = new ArrayList<>(job.launch());
        cmd.add("slurm-task");
        cmd.add(job.spec().toString());
        List<String> rest = new ArrayList<>(common(job));
        rest.addAll(List.of("--signal-seconds", Integer.toString(signal)));
        b.append(words(cmd)).append(" --index \"$SLURM_ARRAY_TASK_ID\" ").append(words(rest)).append(" &\n");
        b.append("pid=$!\n");
        b.append("# Only this shell gets Slurm's USR1 (B:), and a TERM (scancel, the limit itself) may reach it first:\n");
        b.append("# pass both on to the run. A trapped signal interrupts 'wait' while the run goes on, so wait again.\n");
        b.append("trap 'signalled=1; kill -USR1 \"$pid\" 2>/dev/null' USR1\n");
        b.append("trap 'signalled=1; kill -TERM \"$pid\" 2>/dev/null' TERM\n");
        b.append("while :; do\n");
        b.append("  signalled=0\n");
        b.append("  wait \"$pid\"; rc=$?\n");
        b.append("  [ \"$signalled\" = 1 ] || break\n");
        b.append("done\n");
        // 138 = killed by USR1: the warning came before the JVM had installed its handler; the run resumes from
        // its last checkpoint like after any kill.
        b.append("if [ \"$rc\" = ").append(STOPPED_FOR_REQUEUE).append(" ] || [ \"$rc\" = 138 ]; then\n");
        b.append("  if [ \"${SLURM_RESTART_COUNT:-0}\" -lt \"$max_requeues\" ]; then\n");
        b.append("    echo \"vaelab: task $task stopped at a checkpoint before its time limit; requeueing it\"\n");
        b.append("    scontrol requeue \"$task\" && exit 0\n");
        b.append("    echo \"vaelab: scontrol requeue $task failed; submit the sweep again to resume the run\"\n");
        b.append("  else\n");
        b.append("    echo \"vaelab: task $task was requeued $max_requeues times already (--max-requeues);\"\n");
        b.append("    echo \"vaelab: its run stays resumable: submit the sweep again, or with a longer --time\"\n");
        b.append("  fi\n");
        b.append("fi\n");
        b.append("exit \"$rc\"\n");
        return b.toString();
    }

    /** The report job: renders {@code reports/<sweep>/} from whatever the runs recorded. */
    public static String report(BatchJob job) {
        StringBuilder b = new StringBuilder();
        b.append("#!/bin/bash\n");
        b.append("# vaelab sweep '").append(job.sweep()).append("': the report, rendered after the array's tasks end,\n");
        b.append("# whatever their outcome (--dependency=afterany on the array). Written by 'vaelab submit' at ")
                .append(job.written()).append(".\n");
        needs(b, job);
        b.append("# Submit by hand:  sbatch --dependency=afterany:JOBID ").append(job.reportScript()).append('\n');
        b.append("#SBATCH --job-name=vaelab-").append(job.sweep()).append("-report\n");
        for (String l : job.options().reportLines()) {
            b.append("#SBATCH ").append(l).append('\n');
        }
        b.append("#SBATCH --output=").append(job.logs().resolve("report-%j.log")).append('\n');
        b.append("#SBATCH --chdir=").append(job.workDir()).append('\n');
        b.append("set -u\n");
        b.append("export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1\n");
        for (var e : new TreeMap<>(job.env()).entrySet()) {
            b.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
        List<String> cmd = new ArrayList<>(job.launch());
        cmd.addAll(List.of("report", job.results().resolve(job.sweep()).toString(), "--reports",
                job.reports().toString()));
        b.append("exec ").append(words(cmd)).append('\n');
        return b.toString();
    }

    private static void needs(StringBuilder b, BatchJob job) {
        b.append("#\n");
        b.append("# Needs on every node, at these paths (a filesystem shared by the nodes):\n");
        b.append("#   Java 17:        ").append(job.launch().get(0)).append('\n');
        b.append("#   vaelab:         ").append(classPath(job.launch())).append('\n');
        b.append("#   spec:           ").append(job.spec()).append(" (copied here at submission)\n");
        b.append("#   data:           ").append(job.data()).append('\n');
        b.append("#   results:        ").append(job.results().resolve(job.sweep())).append('\n');
        b.append("#   reports:        ").append(job.reports().resolve(job.sweep())).append('\n');
        b.append("#\n");
    }

    private static void threads(StringBuilder b, BatchJob job) {
        b.append("# One BLAS/OpenMP thread per core of the task, as the launcher sets one per process.\n");
        b.append("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-").append(job.options().cpusPerRun())
                .append("}\" OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-").append(job.options().cpusPerRun())
                .append("}\"\n");
        for (var e : new TreeMap<>(job.env()).entrySet()) {
            b.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
    }

    /** The options every vaelab command of the submission gets: where things are, the overrides, --force. */
    private static List<String> common(BatchJob job) {
        List<String> a = new ArrayList<>();
        for (String s : job.sets()) {
            a.add("--set");
            a.add(s);
        }
        a.addAll(List.of("--results", job.results().toString(), "--reports", job.reports().toString(), "--data",
                job.data().toString()));
        if (job.force()) {
            a.add("--force");
        }
        return a;
    }

    private static String classPath(List<String> launch) {
        int i = launch.indexOf("-cp");
        if (i < 0) {
            i = launch.indexOf("-classpath");
        }
        if (i >= 0 && i + 1 < launch.size()) {
            return launch.get(i + 1);
        }
        i = launch.indexOf("-jar");
        return i >= 0 && i + 1 < launch.size() ? launch.get(i + 1) : "(see the command below)";
    }

    /** Words joined for bash, each quoted unless it is plainly safe. */
    static String words(List<String> ws) {
        List<String> q = new ArrayList<>();
        for (String w : ws) {
            q.add(quote(w));
        }
        return String.join(" ", q);
    }

    /** {@code s} as one bash word: as is when made of safe characters, else in single quotes. */
    static String quote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The spec copy's place beside the results. */
    public static Path specCopy(Path slurmDir) {
        return slurmDir.resolve("spec.yaml");
    }
}
