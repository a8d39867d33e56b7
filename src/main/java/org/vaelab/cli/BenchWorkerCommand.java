package org.vaelab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vaelab.bench.EngineSpeedWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vaelab bench-worker MODEL BATCH STEPS EPOCHS DATA} (hidden): one vaelab speed measurement in its own
 * process, started by {@code vaelab bench}; prints one JSON line. Main's System.exit ends the process, which
 * ND4J's non-daemon threads would otherwise keep alive.
 */
@Command(name = "bench-worker", hidden = true)
final class BenchWorkerCommand implements Callable<Integer> {
    @Parameters(index = "0") String model;
    @Parameters(index = "1") int batch;
    @Parameters(index = "2") int steps;
    @Parameters(index = "3") int epochs;
    @Parameters(index = "4") Path data;

    @Override
    public Integer call() throws Exception {
        System.out.println(EngineSpeedWorker.measure(model, batch, steps, epochs, data));
        System.out.flush();
        return ExitCodes.OK;
    }
}
