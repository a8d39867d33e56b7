package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.cli.CliTest.vaelab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.cli.CliTest.Outcome;

/**
 * submit's bad input, without Slurm: every refusal is one line naming the flag or place and the fix, exit 2, and
 * nothing is written or submitted. (Submitting for real is SlurmSweepTest's, against a local Slurm.)
 */
class SubmitCommandTest {
    @TempDir
    Path tmp;
    Path spec;

    @BeforeEach
    void tinySpec() throws IOException {
        Path data = CliProcess.writeData(tmp.resolve("idx"), 50, 20);
        spec = tmp.resolve("sub.yaml");
        Files.writeString(spec, """
                name: sub
                dataset: {name: idx, path: %s}
                model: {hidden: [8], latent_dim: 2}
                train: {epochs: 1, batch_size: 10}
                """.formatted(data));
    }

    private Outcome submit(String... extra) {
        List<String> a = new ArrayList<>(List.of("submit", spec.toString(), "--results",
                tmp.resolve("results").toString(), "--reports", tmp.resolve("reports").toString()));
        a.addAll(List.of(extra));
        return vaelab(a.toArray(String[]::new));
    }

    private void assertRefused(Outcome o, String... parts) {
        assertEquals(ExitCodes.BAD_INPUT, o.code(), o.out() + o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        for (String p : parts) {
            assertTrue(o.err().contains(p), "'" + p + "' not in: " + o.err());
        }
        assertFalse(o.err().contains("Exception"), o.err());
        assertFalse(Files.exists(tmp.resolve("results")), "nothing is written on bad input");
        assertFalse(Files.exists(tmp.resolve("reports")), "nothing is written on bad input");
    }

    @Test
    void badSlurmFlagsAreRefusedBeforeAnythingIsWritten() {
        assertRefused(submit("--time", "2h"), "vaelab: --time: not a Slurm time limit: '2h'", "HH:MM:SS");
        assertRefused(submit("--mem-per-run", "lots"), "--mem-per-run", "4G");
        assertRefused(submit("--cpus-per-run", "0"), "--cpus-per-run must be at least 1");
        assertRefused(submit("--max-parallel", "0"), "--max-parallel must be at least 1");
        assertRefused(submit("--sbatch-arg=--array=0-9"), "vaelab sets --array itself");
    }

    @Test
    void aBadSpecIsRefusedAsRunRefusesIt() throws IOException {
        Files.writeString(spec, Files.readString(spec).replace("latent_dim: 2", "latent_dim: -2"));
        Outcome run = vaelab("run", spec.toString(), "--results", tmp.resolve("results").toString());
        Outcome sub = submit();
        assertRefused(sub, spec + ":3:");
        assertEquals(run.err(), sub.err(), "the same error as run");
    }

    @Test
    void gpusAndTheCudaDeviceGoTogether() throws IOException {
        assertRefused(submit("--gpus-per-run", "1"), "--gpus-per-run 1 needs train.device: cuda",
                "--set train.device=cuda");
        assertRefused(submit("--set", "train.device=cuda"), "train.device: cuda", "add --gpus-per-run 1");
    }

    @Test
    void withoutSbatchOnThePathSubmitSaysSoInOneLine() throws Exception {
        // A separate JVM whose PATH holds no Slurm command.
        Path empty = Files.createDirectories(tmp.resolve("empty-path"));
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "submit", spec.toString(), "--results", tmp.resolve("results").toString(), "--reports",
                tmp.resolve("reports").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PATH", empty.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertRefused(new Outcome(p.exitValue(), out, err), "vaelab: sbatch not found on the PATH", ".ci/slurm-up");
    }
}
