package org.vaelab.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.data.DataException;
import org.vaelab.data.DataLoader;
import org.vaelab.data.ImageSet;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.tracking.Json;

/**
 * One timing of the importance-sampled log-likelihood in its own process: {@code samples} importance samples
 * for each of the first {@code examples} MNIST test images, through {@link VaeModel#logWeights} as a run's final
 * estimate computes it (bench/torch_vae.py's {@code loglik} mode is the PyTorch side). The model is freshly
 * initialised: the cost does not depend on the weights.
 */
public final class LoglikWorker {
    private LoglikWorker() {
    }

    /** Times the estimate and returns one JSON line with the seconds and the estimate. */
    public static String measure(String modelName, int examples, int samples, Path dataRoot) throws DataException {
        ImageSet test = DataLoader.load(DatasetSpec.DEFAULT, dataRoot, 1L).test();
        int n = Math.min(examples, test.size());
        int dim = test.dim();
        float[] x = new float[n * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = test.pixel(i, j) / 255f;
            }
        }
        try (VaeModel model = VaeModel.create(EngineSpeedWorker.model(modelName), LossSpec.DEFAULT, test.rows(),
                test.cols(), DataType.FLOAT, 1L)) {
            long t0 = System.nanoTime();
            double[][] lw = model.logWeights(x, n, samples, 7L);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double ll = 0;
            for (double[] row : lw) {
                double max = Double.NEGATIVE_INFINITY;
                for (double w : row) {
                    max = Math.max(max, w);
                }
                double s = 0;
                for (double w : row) {
                    s += Math.exp(w - max);
                }
                ll += max + Math.log(s / row.length);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("impl", "vaelab");
            out.put("mode", "loglik");
            out.put("model", modelName);
            out.put("examples", n);
            out.put("samples", samples);
            out.put("engine", model.engine());
            out.put("seconds", seconds);
            out.put("loglik", ll / n);
            out.put("peak_rss_mb", EngineSpeedWorker.peakRssMb());
            return Json.line(out);
        }
    }
}
