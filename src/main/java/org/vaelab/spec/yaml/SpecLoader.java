package org.vaelab.spec.yaml;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vaelab.spec.BindResult;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.SpecProblem;

/**
 * Loads an experiment spec from YAML: parses it with line/column tracking, applies {@code --set}
 * overrides, binds it with {@link ConfigTree#bind(Map, String)}, and reports every problem at once as
 * {@code file:line:col: key.path: message} lines in a {@link SpecException}.
 *
 * <p>Decisions: a spec without {@code name:} is named after its file ({@code beta-sweep.yaml} ->
 * {@code beta-sweep}); problems in a map entry point at its key, problems in a list at the element; a
 * {@code --set} replaces the value at its path (a section given as a map replaces the whole section).
 */
public final class SpecLoader {
    private SpecLoader() {
    }

    /** A {@code --set} applied to the tree, kept to report problems under it against the argument. */
    private record SetOverride(String path, String argument) {
        boolean covers(String problemPath) {
            return problemPath.equals(path) || problemPath.startsWith(path + ".") || problemPath.startsWith(path + "[");
        }
    }

    /**
     * Reads, overrides and validates the spec file.
     *
     * @param file         the spec; its name as given is used in messages
     * @param setOverrides {@code key.path=value} strings, value parsed as YAML, applied in order
     * @throws SpecException every problem of the file and the overrides, or one line if the file is unreadable
     */
    public static ExperimentSpec load(Path file, List<String> setOverrides) throws SpecException {
        String source = file.toString();
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw single(source, "is a directory, not a spec file");
            }
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw single(source, "cannot read spec file: no such file");
        } catch (AccessDeniedException e) {
            throw single(source, "cannot read spec file: permission denied");
        } catch (CharacterCodingException e) {
            throw single(source, "cannot read spec file: not UTF-8 text");
        } catch (IOException e) {
            throw single(source, "cannot read spec file: " + e.getMessage());
        }
        return parse(text, source, setOverrides);
    }

    /**
     * Where the first of {@code paths} that the file writes is ({@code file:line:col}), trying each key as
     * written in the base config and under {@code sweep.grid.}; the file's first line if none is written
     * (a key left at its default). For checks made after validation (the memory estimate) that still point
     * at the key to change.
     */
    public static String position(Path file, List<String> paths) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            YamlTree.Document doc = YamlTree.read(text.startsWith("\uFEFF") ? text.substring(1) : text);
            for (String path : paths) {
                for (String p : List.of("sweep.grid." + path, path)) {
                    YamlTree.Location at = doc.locations().get(p);
                    if (at != null) {
                        return file + ":" + at.line() + ":" + at.column();
                    }
                }
            }
            return file + ":1:1";
        } catch (IOException | YamlTree.SyntaxError | RuntimeException e) {
            return file.toString();
        }
    }

    private static SpecException single(String source, String message) {
        return new SpecException(List.of(new SpecError(source, 0, 0, "", message)));
    }

    /**
     * Parses, overrides and validates spec text.
     *
     * @param yaml        the spec text
     * @param displayName the file name used in messages; its stem is the default name
     * @param sets        {@code key.path=value} overrides
     */
    public static ExperimentSpec parse(String yaml, String displayName, List<String> sets) throws SpecException {
        YamlTree.Document doc;
        try {
            doc = YamlTree.read(yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml);
        } catch (YamlTree.SyntaxError e) {
            throw new SpecException(List.of(new SpecError(displayName, e.line, e.column, "", "invalid YAML: " + e.reason)));
        }
        List<SpecError> fileErrors = new ArrayList<>();
        List<SpecError> setErrors = new ArrayList<>();
        doc.problems().forEach(p -> fileErrors.add(new SpecError(displayName, p.location().line(),
                p.location().column(), p.path(), p.message())));
        Map<String, Object> tree;
        if (doc.root() == null) {
            tree = new LinkedHashMap<>();
        } else if (doc.root() instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<String, Object> root = (Map<String, Object>) doc.root();
            tree = root;
        } else {
            fileErrors.add(new SpecError(displayName, 1, 1, "", "expected a map of spec keys (name, dataset, model, "
                    + "loss, train, eval, sweep) at the top level (got " + (doc.root() instanceof List ? "a list" : "a single value") + ")"));
            throw sorted(fileErrors, setErrors, sets);
        }

        Map<String, Object> fileTree = tree;
        List<SetOverride> overrides = new ArrayList<>();
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                setErrors.add(setError(set, "", "expected key.path=value, e.g. --set loss.beta=4"));
                continue;
            }
            String path = set.substring(0, eq).trim();
            Optional<SpecProblem> target = ConfigTree.setTargetProblem(path);
            if (target.isPresent()) {
                setErrors.add(setError(set, "", target.get().message()));
                continue;
            }
            Object value;
            try {
                YamlTree.Document parsed = YamlTree.read(set.substring(eq + 1));
                parsed.problems().forEach(p -> setErrors.add(setError(set, "", p.message())));
                value = parsed.root();
            } catch (YamlTree.SyntaxError e) {
                setErrors.add(setError(set, "", "the value is not valid YAML: " + e.reason));
                continue;
            }
            tree = ConfigTree.withValue(tree, path, value);
            overrides.add(new SetOverride(path, set));
        }

        BindResult<ExperimentSpec> bound = ConfigTree.bind(tree, stem(displayName));
        // An alias reaches the binder as its anchor's name; its type error would only repeat the reader's report.
        List<String> reported = doc.problems().stream().filter(p -> p.message().startsWith("YAML aliases"))
                .map(YamlTree.Problem::path).toList();
        for (SpecProblem p : bound.problems()) {
            if (reported.contains(p.path())) {
                continue;
            }
            SetOverride o = null;
            for (SetOverride candidate : overrides) {
                if (candidate.covers(p.path())) {
                    o = candidate; // the last one wins, as it does in the tree
                }
            }
            if (o != null) {
                setErrors.add(setError(o.argument(), p.path().equals(o.path()) ? "" : p.path(), p.message()));
            } else {
                YamlTree.Location at = locate(doc.locations(), p.path());
                fileErrors.add(new SpecError(displayName, at.line(), at.column(), p.path(), p.message()));
            }
        }
        // One problem per key: a base value that is itself wrong is reported as that.
        shadowedBaseValues(fileTree, doc.locations()).stream()
                .filter(e -> fileErrors.stream().noneMatch(f -> f.path().equals(e.getKey())))
                .toList().forEach(e -> fileErrors.add(new SpecError(displayName,
                e.getValue().line(), e.getValue().column(), e.getKey(), uselessOverride(fileTree, e.getKey()).orElseThrow()
                        .replace("(override the list instead, e.g. --set", "(remove it here, or set it in the list:")
                        .replace("(override the seeds instead, e.g. --set", "(remove it here, or set the seeds:"))));
        for (SetOverride o : overrides) {
            uselessOverride(tree, o.path()).ifPresent(m -> setErrors.add(setError(o.argument(), "", m)));
        }
        if (!fileErrors.isEmpty() || !setErrors.isEmpty()) {
            throw sorted(fileErrors, setErrors, sets);
        }
        return bound.value();
    }

    /**
     * Base values in the file of keys the sweep varies (model.latent_dim: 8 beside sweep.grid.model.latent_dim):
     * each run replaces them, so, as with --set, they are an error rather than silently ignored.
     */
    private static List<Map.Entry<String, YamlTree.Location>> shadowedBaseValues(Map<String, Object> tree,
            Map<String, YamlTree.Location> locations) {
        List<Map.Entry<String, YamlTree.Location>> out = new ArrayList<>();
        for (Map.Entry<String, YamlTree.Location> e : locations.entrySet()) {
            String path = e.getKey();
            if (!path.startsWith("sweep") && !path.contains("[") && !(ConfigTree.get(tree, path) instanceof Map)
                    && uselessOverride(tree, path).isPresent()) {
                out.add(e);
            }
        }
        return out;
    }

    /** An override of a key the sweep varies would be silently replaced in every run: say so instead. */
    private static Optional<String> uselessOverride(Map<String, Object> tree, String path) {
        for (String list : List.of("grid", "zip")) {
            if (ConfigTree.get(tree, "sweep." + list) instanceof Map<?, ?> lists && lists.containsKey(path)) {
                return Optional.of("has no effect because sweep." + list + " varies " + path + " (override the "
                        + "list instead, e.g. --set 'sweep." + list + "." + path + "=[...]')");
            }
        }
        if (path.equals("train.seed") && ConfigTree.get(tree, "sweep.seeds") instanceof List<?> seeds && !seeds.isEmpty()) {
            return Optional.of("has no effect because sweep.seeds sets train.seed in every run "
                    + "(override the seeds instead, e.g. --set 'sweep.seeds=[1]')");
        }
        return Optional.empty();
    }

    private static SpecError setError(String argument, String path, String message) {
        return new SpecError("--set " + argument, 0, 0, path, message);
    }

    /** The position of a path, or of its nearest ancestor present in the file (a key left at its default). */
    private static YamlTree.Location locate(Map<String, YamlTree.Location> locations, String path) {
        String p = path;
        while (!locations.containsKey(p)) {
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
        return locations.get(p);
    }

    private static SpecException sorted(List<SpecError> fileErrors, List<SpecError> setErrors, List<String> sets) {
        List<SpecError> all = new ArrayList<>(fileErrors);
        all.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
        List<SpecError> bySet = new ArrayList<>(setErrors);
        bySet.sort(Comparator.comparingInt(e -> sets.indexOf(e.source().substring("--set ".length()))));
        all.addAll(bySet);
        return new SpecException(all);
    }

    /** {@code experiments/beta-sweep.yaml} -> {@code beta-sweep}. */
    static String stem(String displayName) {
        String name = displayName.substring(Math.max(displayName.lastIndexOf('/'), displayName.lastIndexOf('\\')) + 1);
        for (String ext : List.of(".yaml", ".yml")) {
            if (name.endsWith(ext)) {
                return name.substring(0, name.length() - ext.length());
            }
        }
        return name;
    }
}
