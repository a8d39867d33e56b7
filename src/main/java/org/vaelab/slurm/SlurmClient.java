package org.vaelab.slurm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The one place that runs Slurm's commands: sbatch to submit, squeue (and sacct where the cluster keeps
 * accounting) to follow. Everything else in vaelab sees their answers as values.
 */
public final class SlurmClient {
    private final Map<String, String> env;

    /** A client using this process's PATH. */
    public SlurmClient() {
        this(System.getenv());
    }

    /** A client using {@code env}'s PATH (tests hide Slurm with it). */
    public SlurmClient(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Where {@code command} is on the PATH, if anywhere. */
    public Optional<Path> onPath(String command) {
        String path = env.getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A command's outcome. */
    record Output(int code, String out, String err) {
    }

    /** Submits {@code script} with {@code args} (e.g. a dependency); returns the job id. */
    public String sbatch(Path script, List<String> args) throws SlurmException {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        cmd.addAll(args);
        cmd.add(script.toString());
        Output o = run(cmd, 120);
        if (o.code != 0) {
            String why = (o.err + "\n" + o.out).strip().replace('\n', ' ');
            throw new SlurmException("sbatch refused " + script.getFileName() + ": " + why);
        }
        // --parsable prints "jobid" or "jobid;cluster"
        String id = o.out.strip();
        int semi = id.indexOf(';');
        id = semi >= 0 ? id.substring(0, semi) : id;
        if (!id.matches("\\d+")) {
            throw new SlurmException("sbatch did not print a job id (got '" + o.out.strip() + "')");
        }
        return id;
    }

    /** The state of one job or array task as Slurm reports it. */
    public record TaskState(String id, String state, String node, String reason, String source) {
        /** Pending or running (or on the way there or back): the task may still train its run. */
        public boolean alive() {
            return switch (state) {
                case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
                     "RESIZING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT" -> true;
                default -> false;
            };
        }
    }

    /**
     * The tasks of {@code jobIds} that Slurm still knows, keyed by {@code job_task} (or the job id): squeue
     * for pending, running and recently ended ones, then sacct, where the cluster keeps accounting, for the
     * ones squeue has forgotten. Empty when neither answers.
     */
    public Map<String, TaskState> states(List<String> jobIds) {
        Map<String, TaskState> out = new LinkedHashMap<>();
        if (jobIds.isEmpty()) {
            return out;
        }
        String ids = String.join(",", jobIds);
        if (onPath("sacct").isPresent()) {
            // -X: the allocation, not its steps; -P: '|' separated
            Output o = run(List.of("sacct", "-n", "-X", "-P", "-j", ids, "-o", "JobID,State,NodeList,Reason"), 30);
            if (o.code == 0) {
                for (String line : o.out.split("\n")) {
                    String[] f = line.split("\\|", -1);
                    if (f.length >= 4 && !f[0].isBlank() && !f[0].contains("[")) {
                        // "CANCELLED by 0" -> "CANCELLED"
                        String state = f[1].split(" ")[0];
                        out.put(f[0], new TaskState(f[0], state, f[2], f[3], "sacct"));
                    }
                }
            }
        }
        if (onPath("squeue").isPresent()) {
            // squeue is fresher than accounting, so it wins where both answer. One job at a time: squeue refuses
            // the whole list when one id is unknown to it (a job older than MinJobAge).
            for (String id : jobIds) {
                Output o = run(List.of("squeue", "-h", "-r", "-t", "all", "-j", id, "-o", "%i|%T|%N|%r"), 30);
                if (o.code == 0) {
                    for (String line : o.out.split("\n")) {
                        String[] f = line.split("\\|", -1);
                        if (f.length >= 4 && !f[0].isBlank()) {
                            out.put(f[0], new TaskState(f[0], f[1], f[2], f[3], "squeue"));
                        }
                    }
                }
            }
        }
        return out;
    }

    private Output run(List<String> cmd, int seconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            pb.environment().putAll(env);
            Path out = Files.createTempFile("vaelab-slurm", ".out");
            Path err = Files.createTempFile("vaelab-slurm", ".err");
            try {
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Output(-1, "", cmd.get(0) + " did not answer within " + seconds + " s");
                }
                return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Output(-1, "", cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Output(-1, "", cmd.get(0) + ": interrupted");
        }
    }
}
