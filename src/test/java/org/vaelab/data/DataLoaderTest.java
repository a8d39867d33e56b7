package org.vaelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.data.IdxReaderTest.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.DatasetName;
import org.vaelab.spec.DatasetSpec;

class DataLoaderTest {
    @TempDir
    Path tmp;
    private Path idxDir;
    private DataLoader loader;
    private ImageSet train;
    private ImageSet test;

    /** Unequal classes, so stratification is visible: 50, 30, 15, 5 training images of labels 0..3. */
    private static int[] labels(int... counts) {
        int total = Arrays.stream(counts).sum();
        int[] l = new int[total];
        SplittableRandom r = new SplittableRandom(3);
        int k = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                l[k++] = c;
            }
        }
        // Interleave the classes so that "the first n" would not be stratified by accident.
        for (int i = l.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = l[i];
            l[i] = l[j];
            l[j] = t;
        }
        return l;
    }

    @BeforeEach
    void writeData() throws Exception {
        idxDir = tmp.resolve("idx");
        train = IdxFiles.synthetic(labels(50, 30, 15, 5), 28, 28, 1);
        test = IdxFiles.synthetic(labels(10, 6, 3, 1), 28, 28, 2);
        IdxFiles.writeSet(idxDir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", train, false);
        IdxFiles.writeSet(idxDir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test, true);
        loader = new DataLoader(new MnistFetcher(List.of("false")), tmp.resolve("no-fashion"));
    }

    private DatasetSpec idx(Integer subset, Integer testSubset, List<Integer> classes, Binarize binarize) {
        return new DatasetSpec(DatasetName.IDX, idxDir.toString(), subset, testSubset, classes, binarize, false);
    }

    private static int[] ids(ImageSet s) {
        int[] ids = new int[s.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = IdxFiles.idOf(s, i);
        }
        return ids;
    }

    @Test
    void largestRemainderAllocation() {
        // 10 of {50,30,15,5}: exact 5, 3, 1.5, 0.5; the tie of remainders goes to the smaller label.
        assertArrayEquals(new int[] {5, 3, 2, 0}, ImageSets.allocate(new int[] {50, 30, 15, 5}, 10));
        // 7: exact 3.5, 2.1, 1.05, 0.35 -> floors 3,2,1,0 and the one left goes to the largest remainder (0.5).
        assertArrayEquals(new int[] {4, 2, 1, 0}, ImageSets.allocate(new int[] {50, 30, 15, 5}, 7));
        assertArrayEquals(new int[] {50, 30, 15, 5}, ImageSets.allocate(new int[] {50, 30, 15, 5}, 100));
        assertArrayEquals(new int[] {0, 0}, ImageSets.allocate(new int[] {0, 0}, 0));
    }

    @Test
    void allocationIsWithinOneOfExactProportionAndSumsToN() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 500; trial++) {
            int[] counts = new int[1 + r.nextInt(10)];
            long total = 0;
            for (int c = 0; c < counts.length; c++) {
                counts[c] = r.nextInt(2000);
                total += counts[c];
            }
            int n = total == 0 ? 0 : r.nextInt((int) total + 1);
            int[] share = ImageSets.allocate(counts, n);
            assertEquals(n, Arrays.stream(share).sum());
            for (int c = 0; c < counts.length; c++) {
                double exact = (double) n * counts[c] / total;
                assertTrue(Math.abs(share[c] - exact) < 1.0, "class " + c + ": " + share[c] + " vs " + exact);
                assertTrue(share[c] <= counts[c]);
            }
        }
    }

    @Test
    void subsetIsStratifiedAndSeeded() throws Exception {
        DataSplit a = loader.loadSplit(idx(40, 10, null, Binarize.NONE), tmp, 42);
        assertArrayEquals(new int[] {20, 12, 6, 2}, ImageSets.histogram(a.train().labels()));
        assertArrayEquals(new int[] {5, 3, 2}, ImageSets.histogram(a.test().labels())); // label 3 gets 0 of 10
        // Each chosen image is the one with that id in the full set (pixels and label travel together).
        int[] ids = ids(a.train());
        for (int k = 0; k < ids.length; k++) {
            assertEquals(train.labels()[ids[k]], a.train().labels()[k]);
            assertArrayEquals(Arrays.copyOfRange(train.pixels(), ids[k] * 784, ids[k] * 784 + 784),
                    Arrays.copyOfRange(a.train().pixels(), k * 784, k * 784 + 784));
        }
        // Kept in the data set's order, no duplicates.
        for (int k = 1; k < ids.length; k++) {
            assertTrue(ids[k - 1] < ids[k]);
        }
        DataSplit same = loader.loadSplit(idx(40, 10, null, Binarize.NONE), tmp, 42);
        assertArrayEquals(ids, ids(same.train()));
        assertArrayEquals(ids(a.test()), ids(same.test()));
        DataSplit other = loader.loadSplit(idx(40, 10, null, Binarize.NONE), tmp, 43);
        assertFalse(Arrays.equals(ids, ids(other.train())), "another seed, another subset");
        assertArrayEquals(new int[] {20, 12, 6, 2}, ImageSets.histogram(other.train().labels()));
        assertEquals("idx " + idxDir + ", subset 40 of 100, test_subset 10 of 20", a.source());
    }

    @Test
    void noSubsetMeansEverythingInOrder() throws Exception {
        DataSplit s = loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1);
        assertArrayEquals(train.pixels(), s.train().pixels());
        assertArrayEquals(test.labels(), s.test().labels());
        assertEquals("idx " + idxDir, s.source());
    }

    @Test
    void classesFilterThenSubset() throws Exception {
        DataSplit s = loader.loadSplit(idx(7, null, List.of(1, 3), Binarize.NONE), tmp, 5);
        // 7 of {30, 5}: exact 6 and 1.
        assertArrayEquals(new int[] {0, 6, 0, 1}, ImageSets.histogram(s.train().labels()));
        assertArrayEquals(new int[] {0, 6, 0, 1}, ImageSets.histogram(s.test().labels()));
        assertEquals("idx " + idxDir + ", classes [1, 3], subset 7 of 35", s.source());
        DataSplit five = loader.loadSplit(idx(null, null, List.of(2), Binarize.NONE), tmp, 5);
        assertEquals(15, five.train().size());
        assertTrue(Arrays.stream(five.train().labels()).allMatch(l -> l == 2));
    }

    @Test
    void subsetLargerThanAvailable() {
        assertEquals("dataset.subset: 101 is more than the 100 training images available; use at most 100, or null "
                + "for all", message(() -> loader.loadSplit(idx(101, null, null, Binarize.NONE), tmp, 1)));
        assertEquals("dataset.test_subset: 8 is more than the 7 test images available (after the classes filter); "
                + "use at most 7, or null for all",
                message(() -> loader.loadSplit(idx(null, 8, List.of(1, 3), Binarize.NONE), tmp, 1)));
        // A zero subset cannot even be built: the spec record refuses it with the spec's own message.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> idx(0, null, null, Binarize.NONE));
        assertTrue(e.getMessage().startsWith("dataset.subset: must be >= 1"), e.getMessage());
    }

    @Test
    void classesThatDoNotExist() {
        assertEquals("dataset.classes: no training images with labels [7] in " + idxDir + " (labels present: "
                + "[0, 1, 2, 3]); choose classes from those",
                message(() -> loader.loadSplit(idx(null, null, List.of(7), Binarize.NONE), tmp, 1)));
    }

    @Test
    void staticBinarizationSamplesOncePerPixelWithSeed() throws Exception {
        DataSplit a = loader.loadSplit(idx(null, null, null, Binarize.STATIC), tmp, 9);
        byte[] raw = train.pixels();
        byte[] bin = a.train().pixels();
        long ones = 0;
        double expected = 0;
        for (int i = 0; i < bin.length; i++) {
            int p = raw[i] & 0xff;
            int b = bin[i] & 0xff;
            assertTrue(b == 0 || b == 255, "static binarisation stores 0 or 255, got " + b);
            if (p == 0) {
                assertEquals(0, b);
            }
            if (p == 255) {
                assertEquals(255, b);
            }
            ones += b == 255 ? 1 : 0;
            expected += p / 255.0;
        }
        // 78400 Bernoulli draws: the count of ones is within 5 standard deviations (< 700) of sum p/255.
        assertEquals(expected, ones, 700);
        for (byte b : a.test().pixels()) {
            assertTrue(b == 0 || b == (byte) 255);
        }
        assertArrayEquals(bin, loader.loadSplit(idx(null, null, null, Binarize.STATIC), tmp, 9).train().pixels());
        assertFalse(Arrays.equals(bin, loader.loadSplit(idx(null, null, null, Binarize.STATIC), tmp, 10)
                .train().pixels()));
        assertEquals("idx " + idxDir + ", binarized statically", a.source());
        // Dynamic binarisation is the batcher's job: the loader leaves grey pixels.
        assertArrayEquals(raw, loader.loadSplit(idx(null, null, null, Binarize.DYNAMIC), tmp, 9).train().pixels());
    }

    @Test
    void binarizeAndDequantizeExcludeEachOther() {
        DatasetSpec spec = new DatasetSpec(DatasetName.IDX, idxDir.toString(), null, null, null, Binarize.STATIC, true);
        // The spec's rule, in the spec's words (the loader does not restate it).
        assertEquals("dataset.dequantize: cannot be combined with dataset.binarize static: binarised pixels are "
                + "already 0/1 (set dequantize: false or binarize: none)",
                message(() -> loader.loadSplit(spec, tmp, 1)));
    }

    @Test
    void cacheNeverHandsOutSharedArraysAndNoticesChangedFiles() throws Exception {
        DataSplit a = loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1);
        a.train().pixels()[0] = 99;
        a.train().labels()[0] = 99;
        DataSplit b = loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1);
        assertEquals(train.pixels()[0], b.train().pixels()[0]);
        assertEquals(train.labels()[0], b.train().labels()[0]);
        // Replace the training files with a smaller set: the next load reads the new files.
        ImageSet smaller = IdxFiles.synthetic(labels(5, 5, 5, 5), 28, 28, 4);
        IdxFiles.writeSet(idxDir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", smaller, false);
        assertEquals(20, loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1).train().size());
    }

    @Test
    void idxNeedsAPathAndAllFourFiles() throws Exception {
        DatasetSpec noPath = new DatasetSpec(DatasetName.IDX, null, null, null, null, Binarize.NONE, false);
        assertEquals("dataset.name: 'idx' needs dataset.path, a folder holding the four IDX files (add dataset.path,"
                + " or use mnist or fashion-mnist)", message(() -> loader.loadSplit(noPath, tmp, 1)));
        DatasetSpec notDir = new DatasetSpec(DatasetName.IDX, tmp.resolve("nope").toString(), null, null, null,
                Binarize.NONE, false);
        assertTrue(message(() -> loader.loadSplit(notDir, tmp, 1)).startsWith("dataset.path: " + tmp.resolve("nope")
                + " is not a folder; set it to a folder holding train-images-idx3-ubyte"));
        Files.delete(idxDir.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(idxDir.resolve("t10k-labels-idx1-ubyte") + ": not found (nor t10k-labels-idx1-ubyte.gz); place "
                + "the file there (raw IDX or gzipped), or point dataset.path at the folder that has it",
                message(() -> loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1)));
    }

    @Test
    void trainAndTestImagesMustHaveTheSameSize() throws Exception {
        ImageSet small = IdxFiles.synthetic(labels(1, 1, 1, 1), 14, 14, 5);
        IdxFiles.writeSet(idxDir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", small, true);
        assertEquals(idxDir + ": training images are 28x28 but test images are 14x14; use train and test files of "
                + "the same data set", message(() -> loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1)));
    }

    @Test
    void corruptFileInAnIdxFolderNamesTheFile() throws Exception {
        Path f = idxDir.resolve("train-images-idx3-ubyte");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 784));
        assertEquals(f + ": truncated: header declares 100 images of 28x28 (78416 bytes) but the file has 77632; "
                + "replace it with an intact IDX file",
                message(() -> loader.loadSplit(idx(null, null, null, Binarize.NONE), tmp, 1)));
    }

    @Test
    void fashionMnistMissingSaysHowToInstall() {
        DatasetSpec fashion = new DatasetSpec(DatasetName.FASHION_MNIST, null, null, null, null, Binarize.NONE, false);
        assertEquals("fashion-mnist: " + tmp.resolve("no-fashion") + " not found; install it with `sudo apt-get "
                + "install dataset-fashion-mnist`, or set dataset.path to a folder holding the four Fashion-MNIST IDX "
                + "files", message(() -> loader.loadSplit(fashion, tmp, 1)));
    }

    @Test
    void fashionMnistFromDebian() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DataLoader.FASHION_MNIST_DIR), "dataset-fashion-mnist not installed");
        DatasetSpec fashion = new DatasetSpec(DatasetName.FASHION_MNIST, null, null, 1000, null, Binarize.NONE, false);
        DataSplit s = DataLoader.load(fashion, tmp, 1);
        assertEquals(60000, s.train().size());
        assertEquals(28, s.train().rows());
        int[] perClass = new int[10];
        Arrays.fill(perClass, 6000);
        assertArrayEquals(perClass, ImageSets.histogram(s.train().labels()));
        Arrays.fill(perClass, 100); // Fashion-MNIST's test set is balanced, so a stratified 1000 is 100 each.
        assertArrayEquals(perClass, ImageSets.histogram(s.test().labels()));
        assertEquals("fashion-mnist " + DataLoader.FASHION_MNIST_DIR + ", test_subset 1000 of 10000", s.source());
    }

    @Test
    void mnistIsVerifiedInDataRootOrPath() throws Exception {
        // MNIST-named files with checksums the fetcher is told to expect: no npm run needed.
        Path root = tmp.resolve("root");
        Path mnist = root.resolve("mnist");
        for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte"}) {
            Files.createDirectories(mnist);
            Path src = Files.exists(idxDir.resolve(f)) ? idxDir.resolve(f) : idxDir.resolve(f + ".gz");
            Files.copy(src, mnist.resolve(f));
        }
        Map<String, String> md5 = new LinkedHashMap<>();
        for (String f : MnistFetcher.MD5.keySet()) {
            md5.put(f, MnistFetcher.md5Of(mnist.resolve(f)));
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MnistFetcher fetcher = new MnistFetcher(List.of("false"), md5, new PrintStream(log, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(5));
        DataLoader l = new DataLoader(fetcher, tmp);
        DatasetSpec spec = new DatasetSpec(DatasetName.MNIST, null, null, null, null, Binarize.NONE, false);
        DataSplit s = l.loadSplit(spec, root, 1);
        assertEquals(100, s.train().size());
        assertEquals("mnist " + mnist + " (md5 verified)", s.source());
        assertEquals("", log.toString(StandardCharsets.UTF_8), "nothing fetched");

        DatasetSpec elsewhere = new DatasetSpec(DatasetName.MNIST, mnist.toString(), null, null, null, Binarize.NONE,
                false);
        assertEquals(20, l.loadSplit(elsewhere, tmp.resolve("unused"), 1).test().size());

        // A wrong file makes the fetcher try npm ("false" fails): the message says how to place files by hand.
        Files.writeString(mnist.resolve("t10k-labels-idx1-ubyte"), "x");
        String msg = message(() -> l.loadSplit(spec, root, 1));
        assertTrue(msg.startsWith("cannot fetch MNIST into " + mnist + ": `false` failed with exit code 1; to place "
                + "MNIST by hand"), msg);
        assertNotEquals("", log.toString(StandardCharsets.UTF_8));
    }
}
