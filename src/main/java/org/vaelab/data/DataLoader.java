package org.vaelab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.SpecProblem;

/**
 * Turns a {@link DatasetSpec} into the train and test images of one run: picks the source (MNIST, fetched if
 * needed; Debian's Fashion-MNIST; or a folder of IDX files), then applies {@code classes}, {@code subset},
 * {@code test_subset} and static binarisation, each random step seeded from the run's seed.
 *
 * <p>Parsed files are cached for the life of the JVM, keyed by path, size and modification time: a sweep loads
 * the same data for every run, and re-parsing 47 MB each time would cost more than small runs train.
 */
public final class DataLoader {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the gzipped IDX files. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private static final Map<String, ImageSet> CACHE = new ConcurrentHashMap<>();

    private final MnistFetcher fetcher;
    private final Path fashionDir;

    DataLoader(MnistFetcher fetcher, Path fashionDir) {
        this.fetcher = fetcher;
        this.fashionDir = fashionDir;
    }

    /**
     * The data of one run.
     *
     * <p>Sources: {@code mnist} reads {@code spec.path}, or {@code dataRoot/mnist}, fetching MNIST there first if
     * the files are missing or their MD5s are wrong; {@code fashion-mnist} reads {@code spec.path} or
     * {@link #FASHION_MNIST_DIR}; {@code idx} reads {@code spec.path}. A relative {@code spec.path} is relative
     * to the current directory. Fashion-MNIST and idx folders hold the four standard names
     * ({@code train-images-idx3-ubyte}, ...), each raw or with {@code .gz} (the raw one is used if both exist).
     *
     * <p>Then, in this order: the {@code classes} filter (train and test); {@code subset} and {@code test_subset},
     * stratified by class ({@link ImageSets#stratifiedIndices}: largest-remainder shares, seeded); static
     * binarisation (train and test, each pixel drawn once as Bernoulli(p/255), stored as 0/255). Dynamic
     * binarisation and dequantisation happen per batch in {@link Batches}.
     *
     * @param seed the run's seed; the subset, test subset and binarisation each use a seed derived from it
     * @throws DataException with a one-line message naming the file or {@code dataset.*} key and the fix
     */
    public static DataSplit load(DatasetSpec spec, Path dataRoot, long seed) throws DataException {
        return new DataLoader(new MnistFetcher(), FASHION_MNIST_DIR).loadSplit(spec, dataRoot, seed);
    }

    DataSplit loadSplit(DatasetSpec spec, Path dataRoot, long seed) throws DataException {
        // The spec's own cross-field rules (idx needs a path, ...), in its words: a spec that reached here
        // through `vaelab run` passed them already; one built in code (bench, tests) may not have.
        List<SpecProblem> broken = spec.problems();
        if (!broken.isEmpty()) {
            throw new DataException(broken.get(0).toString());
        }
        Path dir;
        String fix;
        String source;
        switch (spec.name()) {
            case MNIST -> {
                dir = spec.path() != null ? Path.of(spec.path()) : dataRoot.resolve("mnist");
                fetcher.ensure(dir);
                fix = MnistFetcher.FIX;
                source = "mnist " + dir + " (md5 verified)";
            }
            case FASHION_MNIST -> {
                dir = spec.path() != null ? Path.of(spec.path()) : fashionDir;
                fix = "replace it with the original Fashion-MNIST file";
                source = "fashion-mnist " + dir;
            }
            case IDX -> {
                dir = Path.of(spec.path());
                fix = IdxReader.DEFAULT_FIX;
                source = "idx " + dir;
            }
            default -> throw new IllegalStateException("unknown dataset " + spec.name());
        }
        if (spec.name() != org.vaelab.spec.DatasetName.MNIST) {
            requireFolder(spec, dir);
        }
        ImageSet train = cached(find(spec, dir, TRAIN_IMAGES), find(spec, dir, TRAIN_LABELS), fix);
        ImageSet test = cached(find(spec, dir, TEST_IMAGES), find(spec, dir, TEST_LABELS), fix);
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            throw new DataException(dir + ": training images are " + train.rows() + "x" + train.cols()
                    + " but test images are " + test.rows() + "x" + test.cols()
                    + "; use train and test files of the same data set");
        }

        StringBuilder how = new StringBuilder(source);
        if (spec.classes() != null) {
            ImageSet all = train;
            train = ImageSets.filterClasses(train, spec.classes());
            test = ImageSets.filterClasses(test, spec.classes());
            if (train.size() == 0 || test.size() == 0) {
                throw new DataException("dataset.classes: no " + (train.size() == 0 ? "training" : "test")
                        + " images with labels " + spec.classes() + " in " + dir + " (labels present: "
                        + presentLabels(all.labels()) + "); choose classes from those");
            }
            how.append(", classes ").append(spec.classes());
        }
        String after = spec.classes() != null ? " (after the classes filter)" : "";
        if (spec.subset() != null) {
            int available = train.size();
            checkSubset("dataset.subset", spec.subset(), available, "training", after);
            train = ImageSets.stratifiedSubset(train, spec.subset(), Seeds.derive(seed, "subset"));
            how.append(", subset ").append(spec.subset()).append(" of ").append(available);
        } else {
            train = copy(train); // the cache must never be handed out: callers could write into the arrays
        }
        if (spec.testSubset() != null) {
            int available = test.size();
            checkSubset("dataset.test_subset", spec.testSubset(), available, "test", after);
            test = ImageSets.stratifiedSubset(test, spec.testSubset(), Seeds.derive(seed, "test_subset"));
            how.append(", test_subset ").append(spec.testSubset()).append(" of ").append(available);
        } else {
            test = copy(test);
        }
        if (spec.binarize() == Binarize.STATIC) {
            train = ImageSets.binarizeStatic(train, Seeds.derive(seed, "binarize-train"));
            test = ImageSets.binarizeStatic(test, Seeds.derive(seed, "binarize-test"));
            how.append(", binarized statically");
        }
        return new DataSplit(train, test, how.toString());
    }

    private void requireFolder(DatasetSpec spec, Path dir) throws DataException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (spec.path() == null) {
            throw new DataException("fashion-mnist: " + dir + " not found; install it with "
                    + "`sudo apt-get install dataset-fashion-mnist`, or set dataset.path to a folder holding the "
                    + "four Fashion-MNIST IDX files");
        }
        throw new DataException("dataset.path: " + dir + " is not a folder; set it to a folder holding "
                + TRAIN_IMAGES + ", " + TRAIN_LABELS + ", " + TEST_IMAGES + " and " + TEST_LABELS
                + " (each raw or .gz)");
    }

    /** The raw file if present, else the .gz one. */
    private Path find(DatasetSpec spec, Path dir, String name) throws DataException {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        String fix = spec.name() == org.vaelab.spec.DatasetName.FASHION_MNIST && spec.path() == null
                ? "reinstall it with `sudo apt-get install --reinstall dataset-fashion-mnist`, or set dataset.path"
                : "place the file there (raw IDX or gzipped), or point dataset.path at the folder that has it";
        throw new DataException(raw + ": not found (nor " + gz.getFileName() + "); " + fix);
    }

    private static ImageSet cached(Path images, Path labels, String fix) throws DataException {
        String key;
        try {
            key = stamp(images) + "|" + stamp(labels);
        } catch (IOException e) {
            throw new DataException(images + ": cannot read (" + e + "); " + fix, e);
        }
        ImageSet set = CACHE.get(key);
        if (set == null) {
            set = IdxReader.read(images, labels, fix);
            CACHE.put(key, set);
        }
        return set;
    }

    private static String stamp(Path f) throws IOException {
        return f.toRealPath() + "@" + Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis();
    }

    /** Empties the in-memory cache of parsed files (tests; memory measurements). */
    static void clearCache() {
        CACHE.clear();
    }

    private static ImageSet copy(ImageSet s) {
        return new ImageSet(s.pixels().clone(), s.labels().clone(), s.rows(), s.cols());
    }

    /** n >= 1 is the spec's rule (DatasetSpec refuses 0); what is available depends on the data. */
    private static void checkSubset(String key, int n, int available, String what, String after)
            throws DataException {
        if (n > available) {
            throw new DataException(key + ": " + n + " is more than the " + available + " " + what
                    + " images available" + after + "; use at most " + available + ", or null for all");
        }
    }

    private static String presentLabels(int[] labels) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int l : labels) {
            s.add(l);
        }
        return s.toString();
    }
}
