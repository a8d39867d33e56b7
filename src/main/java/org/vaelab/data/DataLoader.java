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
                if (spec.path() != null) {
                    // A dataset.path is the user's own folder: a typo must not be filled by a download.
                    requireMnistAt(dir);
                } else {
                    fetcher.ensure(dir);
                }
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

    private void requireMnistAt(Path dir) throws DataException {
        List<String> missing = Files.isDirectory(dir) ? fetcher.check(dir) : List.of("not a folder");
        if (!missing.isEmpty()) {
            throw new DataException("dataset.path: " + dir + " does not hold MNIST (" + String.join(", ", missing)
                    + "); point it at the folder with the four MNIST files, or remove dataset.path to have MNIST"
                    + " fetched into the data folder (--data DIR, default data/mnist)");
        }
    }

    /**
     * Every problem {@link #load} would raise for {@code spec}, and the model against the image size, without
     * fetching anything: for {@code validate} and {@code --dry-run}, and for {@code run} before its first write.
     * MNIST in the data folder that is not fetched yet gives a {@link DataCheck#pending} note instead.
     */
    public static DataCheck check(DatasetSpec spec, org.vaelab.spec.ModelSpec model, Path dataRoot) {
        return new DataLoader(new MnistFetcher(), FASHION_MNIST_DIR).checkSplit(spec, model, dataRoot);
    }

    /**
     * Fetches what {@code spec} needs and is missing (MNIST into the data folder), without loading it: so that
     * {@link #check} can then look at the data.
     */
    public static void fetch(DatasetSpec spec, Path dataRoot) throws DataException {
        if (spec.name() == org.vaelab.spec.DatasetName.MNIST && spec.path() == null) {
            new MnistFetcher().ensure(dataRoot.resolve("mnist"));
        }
    }

    DataCheck checkSplit(DatasetSpec spec, org.vaelab.spec.ModelSpec model, Path dataRoot) {
        List<String> problems = new java.util.ArrayList<>();
        if (!spec.problems().isEmpty()) {
            return new DataCheck(List.of(spec.problems().get(0).toString()), null);
        }
        Path dir;
        try {
            switch (spec.name()) {
                case MNIST -> {
                    dir = spec.path() != null ? Path.of(spec.path()) : dataRoot.resolve("mnist");
                    if (spec.path() != null) {
                        requireMnistAt(dir);
                    } else if (!Files.isDirectory(dir) || !fetcher.check(dir).isEmpty()) {
                        return new DataCheck(List.of(), "MNIST is not fetched into " + dir + " yet: its sizes are"
                                + " checked when `vaelab run` fetches it");
                    }
                }
                case FASHION_MNIST -> dir = spec.path() != null ? Path.of(spec.path()) : fashionDir;
                case IDX -> dir = Path.of(spec.path());
                default -> throw new IllegalStateException("unknown dataset " + spec.name());
            }
            if (spec.name() != org.vaelab.spec.DatasetName.MNIST) {
                requireFolder(spec, dir);
            }
        } catch (DataException e) {
            return new DataCheck(List.of(e.getMessage()), null);
        }
        String fix = spec.name() == org.vaelab.spec.DatasetName.MNIST ? MnistFetcher.FIX : IdxReader.DEFAULT_FIX;
        ImageSet train = null;
        ImageSet test = null;
        try {
            train = cached(find(spec, dir, TRAIN_IMAGES), find(spec, dir, TRAIN_LABELS), fix);
        } catch (DataException e) {
            problems.add(e.getMessage());
        }
        try {
            test = cached(find(spec, dir, TEST_IMAGES), find(spec, dir, TEST_LABELS), fix);
        } catch (DataException e) {
            problems.add(e.getMessage());
        }
        if (train == null || test == null) {
            return new DataCheck(problems, null);
        }
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            problems.add(dir + ": training images are " + train.rows() + "x" + train.cols()
                    + " but test images are " + test.rows() + "x" + test.cols()
                    + "; use train and test files of the same data set");
        }
        String after = "";
        if (spec.classes() != null) {
            ImageSet tr = ImageSets.filterClasses(train, spec.classes());
            ImageSet te = ImageSets.filterClasses(test, spec.classes());
            for (ImageSet[] pair : new ImageSet[][] {{tr, train}, {te, test}}) {
                if (pair[0].size() == 0) {
                    problems.add("dataset.classes: no " + (pair[1] == train ? "training" : "test") + " images with"
                            + " labels " + spec.classes() + " in " + dir + " (labels present: "
                            + presentLabels(pair[1].labels()) + "); choose classes from those");
                }
            }
            train = tr;
            test = te;
            after = " (after the classes filter)";
        }
        try {
            if (spec.subset() != null) {
                checkSubset("dataset.subset", spec.subset(), train.size(), "training", after);
            }
        } catch (DataException e) {
            problems.add(e.getMessage());
        }
        try {
            if (spec.testSubset() != null) {
                checkSubset("dataset.test_subset", spec.testSubset(), test.size(), "test", after);
            }
        } catch (DataException e) {
            problems.add(e.getMessage());
        }
        if (model != null) {
            try {
                org.vaelab.spec.ModelSummary.of(model, train.rows(), train.cols());
            } catch (RuntimeException e) {
                problems.add("model: does not fit the " + train.rows() + "x" + train.cols() + " images of " + dir
                        + ": " + e.getMessage());
            }
        }
        return new DataCheck(problems, null);
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
