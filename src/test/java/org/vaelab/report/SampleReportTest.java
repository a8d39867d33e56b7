package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Renders the synthetic sweep's report into target/report-sample/ (kept for people and the browser test to look at). */
class SampleReportTest {
    static final Path ROOT = Path.of("target", "report-sample");

    static Path render() throws Exception {
        Path results = ROOT.resolve("results");
        Path sweep = results.resolve("synthetic-beta-sweep");
        if (!Files.exists(sweep.resolve("index.json"))) {
            long t0 = System.nanoTime();
            SyntheticSweep.write(results, "synthetic-beta-sweep", false);
            System.out.printf("fixture written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        return ReportWriter.write(List.of(sweep), ROOT.resolve("reports"));
    }

    @Test
    void rendersTheSampleReport() throws Exception {
        long t0 = System.nanoTime();
        Path index = render();
        System.out.printf("sample report rendered in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, index);
        assertTrue(Files.exists(index));
    }
}
