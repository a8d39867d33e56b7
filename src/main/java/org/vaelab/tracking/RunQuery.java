package org.vaelab.tracking;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vaelab.spec.Suggest;

/**
 * Runs of the store as flat rows that can be filtered, sorted and cut to columns: MLflow's {@code search_runs}
 * for vaelab's files. Pure: rows are built from summaries and metrics already read. A row's keys are the run's
 * own ({@code sweep}, {@code id}, {@code name}, {@code index}, {@code status}, {@code verdict},
 * {@code verdict_detail}, {@code epochs}, {@code seconds}, {@code test_loglik}, {@code cause}), every config key
 * by its dotted path ({@code model.latent_dim}) and every metric of {@code metrics.jsonl} by its snake_case name
 * ({@code test_loss}; the last epoch's, or in the long format the row's {@code epoch}).
 */
public final class RunQuery {
    /** The operators of {@code --where}, longest first so that {@code <=} is not read as {@code <}. */
    private static final Pattern WHERE = Pattern.compile("^\\s*([A-Za-z0-9_.\\-]+)\\s*(!=|<=|>=|==|=|<|>)\\s*(.*?)\\s*$");
    /** Final metrics shown by default, in this order, when present. */
    private static final List<String> DEFAULT_METRICS = List.of("test_loss", "test_recon", "test_kl", "active_units",
            "test_loglik");
    /** Per-epoch metrics shown by default in the long format. */
    private static final List<String> DEFAULT_EPOCH_METRICS = List.of("epoch", "train_loss", "test_loss",
            "test_recon", "test_kl", "beta", "active_units", "mutual_info");
    /** The run's own keys, always known even when no run has a value for them. */
    private static final List<String> RUN_KEYS = List.of("sweep", "id", "name", "index", "status", "verdict",
            "verdict_detail", "epochs", "seconds", "test_loglik", "cause");

    /** One run (or one run and epoch in the long format) as key -> value; values are numbers, strings, booleans or lists. */
    public record Row(Map<String, Object> values) {
        public Row {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        /** The value of {@code key}, or null when this run has none. */
        public Object get(String key) {
            return values.get(key);
        }
    }

    /** One {@code --where} condition: key, operator and the literal it compares with. */
    public record Condition(String key, String op, String literal) {
        /** Whether {@code row} passes: a run without a value for the key passes only {@code !=}. */
        public boolean test(Row row) {
            Object v = row.get(key);
            if (v == null) {
                return op.equals("!=");
            }
            Double a = number(v);
            Double b = number(literal);
            int cmp;
            if (a != null && b != null) {
                cmp = Double.compare(a, b);
            } else if (op.equals("=") || op.equals("!=")) {
                cmp = text(v).equals(literal) ? 0 : 1;
            } else {
                throw new QueryException("--where '" + this + "': " + op + " compares numbers, but " + key + " is '"
                        + text(v) + "'; use = or != for words");
            }
            return switch (op) {
                case "=" -> cmp == 0;
                case "!=" -> cmp != 0;
                case "<" -> cmp < 0;
                case "<=" -> cmp <= 0;
                case ">" -> cmp > 0;
                default -> cmp >= 0;
            };
        }

        @Override
        public String toString() {
            return key + op + literal;
        }
    }

    /** A bad key or expression, said in one line with the fix. */
    public static final class QueryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public QueryException(String message) {
            super(message);
        }
    }

    /** The rows and the columns shown by default (varied keys first), as built from the store. */
    public record Table(List<Row> rows, List<String> defaultColumns, Set<String> knownKeys) {
        public Table {
            rows = List.copyOf(rows);
            defaultColumns = List.copyOf(defaultColumns);
            knownKeys = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(knownKeys));
        }
    }

    private RunQuery() {
    }

    /**
     * One row per run of the given sweeps ({@code epochs} null), or one per run and recorded epoch (long
     * format: {@code epochs.get(i)} holds run {@code i}'s metrics of the sweep's summaries concatenated in order).
     * With several sweeps, {@code sweep} becomes a varied key, as in a report that compares them.
     */
    public static Table table(List<RunSummary> runs, List<List<EpochMetrics>> epochs, boolean severalSweeps) {
        Set<String> varied = new LinkedHashSet<>();
        if (severalSweeps) {
            varied.add("sweep");
        }
        varied.addAll(expansionOrder(runs));
        Set<String> known = new LinkedHashSet<>(RUN_KEYS);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunSummary s = runs.get(i);
            Map<String, Object> base = runValues(s);
            if (epochs == null) {
                Map<String, Object> v = new LinkedHashMap<>();
                if (s.finalMetrics() != null) {
                    v.putAll(metricValues(s.finalMetrics()));
                    v.remove("epoch"); // the run's epochs are 'epochs'; 'epoch' belongs to the long format
                }
                v.putAll(base);
                known.addAll(v.keySet());
                rows.add(new Row(v));
            } else {
                for (EpochMetrics m : epochs.get(i)) {
                    Map<String, Object> v = new LinkedHashMap<>(base);
                    v.putAll(metricValues(m));
                    known.addAll(v.keySet());
                    rows.add(new Row(v));
                }
            }
        }
        List<String> columns = new ArrayList<>(List.of("id", "name"));
        columns.addAll(varied);
        columns.addAll(List.of("status", "verdict"));
        if (epochs == null) {
            columns.add("epochs");
        }
        for (String k : epochs == null ? DEFAULT_METRICS : DEFAULT_EPOCH_METRICS) {
            if (rows.stream().anyMatch(r -> r.get(k) != null)) {
                columns.add(k);
            }
        }
        known.addAll(varied);
        if (epochs != null) {
            known.add("epoch");
        }
        return new Table(rows, new ArrayList<>(new LinkedHashSet<>(columns)), known);
    }

    /**
     * The runs' varied keys outermost first. summary.json stores them sorted by name, so the spec's order is
     * recovered from the runs in expansion order: an outer key changes value less often than an inner one.
     */
    static List<String> expansionOrder(List<RunSummary> runs) {
        Map<String, Integer> changes = new LinkedHashMap<>();
        Map<String, Object> previous = new LinkedHashMap<>();
        for (RunSummary r : runs) {
            if (r.varied() == null) {
                continue;
            }
            for (Map.Entry<String, Object> e : r.varied().entrySet()) {
                changes.putIfAbsent(e.getKey(), 0);
                if (previous.containsKey(e.getKey()) && !String.valueOf(previous.get(e.getKey()))
                        .equals(String.valueOf(e.getValue()))) {
                    changes.merge(e.getKey(), 1, Integer::sum);
                }
                previous.put(e.getKey(), e.getValue());
            }
        }
        List<String> keys = new ArrayList<>(changes.keySet());
        keys.sort(Comparator.comparingInt(changes::get));
        return keys;
    }

    /** The summary's own values and its config flattened to dotted keys. */
    static Map<String, Object> runValues(RunSummary s) {
        Map<String, Object> v = new LinkedHashMap<>();
        if (s.config() != null) {
            flatten("", s.config(), v);
        }
        if (s.varied() != null) {
            v.putAll(s.varied()); // what the sweep set, should the config tree be missing
        }
        v.put("sweep", s.sweep());
        v.put("id", s.id());
        v.put("name", s.name());
        v.put("index", s.index());
        v.put("status", s.status().json());
        v.put("verdict", s.verdict() == null ? null : s.verdict().json());
        v.put("verdict_detail", s.verdictDetail());
        v.put("epochs", s.epochsCompleted());
        v.put("seconds", s.seconds());
        v.put("test_loglik", s.testLoglik());
        v.put("cause", s.cause());
        v.values().removeIf(java.util.Objects::isNull);
        return v;
    }

    private static Map<String, Object> metricValues(EpochMetrics m) {
        Map<String, Object> v = Json.mapper().convertValue(m, new TypeReference<LinkedHashMap<String, Object>>() { });
        v.values().removeIf(java.util.Objects::isNull);
        return v;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> tree, Map<String, Object> out) {
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                flatten(key, (Map<String, Object>) m, out);
            } else if (e.getValue() != null) {
                out.put(key, e.getValue());
            }
        }
    }

    /** Parses one {@code --where} expression, checking its key against {@code known}. */
    public static Condition where(String expr, Set<String> known) {
        Matcher m = WHERE.matcher(expr);
        if (!m.matches() || m.group(3).isEmpty()) {
            throw new QueryException("--where '" + expr + "': expected KEY OP VALUE with OP one of = != < <= > >="
                    + " (e.g. --where model.latent_dim=8, --where 'test_loss<120')");
        }
        String op = m.group(2).equals("==") ? "=" : m.group(2);
        return new Condition(key(m.group(1), known, "--where"), op, unquote(m.group(3)));
    }

    /** Checks a key of {@code --sort}/{@code --columns}/{@code --where} against the known ones, with a did-you-mean. */
    public static String key(String key, Set<String> known, String option) {
        if (known.contains(key)) {
            return key;
        }
        Optional<String> close = Suggest.closest(key, known);
        if (close.isEmpty()) {
            // "latent_dm" for "model.latent_dim": users type the last segment alone, misspelt or not
            Map<String, String> byLast = new LinkedHashMap<>();
            known.forEach(k -> byLast.putIfAbsent(k.substring(k.lastIndexOf('.') + 1), k));
            close = Suggest.closest(key.substring(key.lastIndexOf('.') + 1), byLast.keySet()).map(byLast::get);
        }
        throw new QueryException(option + ": unknown key '" + key + "'" + close.map(c -> "; did you mean '" + c + "'?")
                .orElse("; keys are the run's (id, name, status, verdict, ...), config paths such as"
                        + " model.latent_dim and metrics such as test_loss"));
    }

    /** The rows that pass every condition, in their order. */
    public static List<Row> filter(List<Row> rows, List<Condition> where) {
        return rows.stream().filter(r -> where.stream().allMatch(c -> c.test(r))).toList();
    }

    /**
     * The rows sorted by {@code key} ({@code -key}: descending); numbers by value, other values as text,
     * rows without a value last either way; ties keep their order.
     */
    public static List<Row> sort(List<Row> rows, String key, Set<String> known) {
        boolean descending = key.startsWith("-");
        String k = RunQuery.key(descending ? key.substring(1) : key, known, "--sort");
        Comparator<Row> byValue = (a, b) -> compare(a.get(k), b.get(k));
        List<Row> present = new ArrayList<>(rows.stream().filter(r -> r.get(k) != null).toList());
        present.sort(descending ? byValue.reversed() : byValue);
        present.addAll(rows.stream().filter(r -> r.get(k) == null).toList());
        return present;
    }

    private static int compare(Object a, Object b) {
        Double x = number(a);
        Double y = number(b);
        if (x != null && y != null) {
            return Double.compare(x, y);
        }
        if (x != null || y != null) {
            return x != null ? -1 : 1; // numbers before words
        }
        return text(a).compareTo(text(b));
    }

    /** {@code --columns K1,K2}: each checked, in the order given. */
    public static List<String> columns(String list, Set<String> known) {
        List<String> out = new ArrayList<>();
        for (String c : list.split(",")) {
            if (!c.isBlank()) {
                out.add(key(c.strip(), known, "--columns"));
            }
        }
        if (out.isEmpty()) {
            throw new QueryException("--columns '" + list + "': no key given; e.g. --columns name,test_loss");
        }
        return out;
    }

    /** A value as a number, or null when it is not one (booleans and words). */
    static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            String t = s.strip();
            if (t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|[+-]?Infinity|NaN")) {
                return Double.valueOf(t);
            }
        }
        return null;
    }

    /** A value as the text a user would type: lists as JSON. */
    public static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof List<?> || v instanceof Map<?, ?>) {
            return Json.line(v);
        }
        if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e15) {
            return Double.toString(d); // keeps "1.0" a float, as the files hold it
        }
        return String.valueOf(v);
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
