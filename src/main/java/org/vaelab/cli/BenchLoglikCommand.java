package org.vaelab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vaelab.bench.LoglikWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vaelab bench-loglik MODEL EXAMPLES SAMPLES DATA} (hidden): one timing of the log-likelihood estimate in
 * its own process, started by {@code vaelab bench}; prints one JSON line.
 */
@Command(name = "bench-loglik", hidden = true)
final class BenchLoglikCommand implements Callable<Integer> {
    @Parameters(index = "0") String model;
    @Parameters(index = "1") int examples;
    @Parameters(index = "2") int samples;
    @Parameters(index = "3") Path data;

    @Override
    public Integer call() throws Exception {
        System.out.println(LoglikWorker.measure(model, examples, samples, data));
        System.out.flush();
        return ExitCodes.OK;
    }
}
