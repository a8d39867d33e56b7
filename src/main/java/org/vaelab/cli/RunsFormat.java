package org.vaelab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.tracking.RunQuery;
import org.vaelab.tracking.RunQuery.Row;

/** What {@code vaelab runs} prints: an aligned table, RFC 4180 CSV or JSON of the chosen columns. Pure: returns text. */
final class RunsFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunsFormat() {
    }

    /**
     * An aligned table for people: a header, then one line per row; numbers right-aligned and rounded to five
     * significant digits (the CSV and JSON keep every digit); an empty cell where a run has no value.
     */
    static String table(List<Row> rows, List<String> columns) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(columns);
        boolean[] numeric = new boolean[columns.size()];
        java.util.Arrays.fill(numeric, true);
        for (Row r : rows) {
            List<String> line = new ArrayList<>();
            for (int c = 0; c < columns.size(); c++) {
                Object v = r.get(columns.get(c));
                if (v != null && !(v instanceof Number)) {
                    numeric[c] = false;
                }
                line.add(v instanceof Double d ? shortNumber(d) : RunQuery.text(v));
            }
            cells.add(line);
        }
        int[] width = new int[columns.size()];
        for (List<String> line : cells) {
            for (int c = 0; c < line.size(); c++) {
                width[c] = Math.max(width[c], line.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> line : cells) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < line.size(); c++) {
                String cell = line.get(c);
                String pad = " ".repeat(width[c] - cell.length());
                b.append(numeric[c] ? pad + cell : cell + pad).append("  ");
            }
            out.append(b.toString().stripTrailing()).append('\n');
        }
        if (rows.isEmpty()) {
            out.append("(no runs match)\n");
        }
        return out.toString();
    }

    /**
     * RFC 4180 CSV: a header line, CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF
     * (quotes doubled inside); numbers with every digit Java keeps ({@code 1.0E-4} style, NaN, inf and -inf,
     * which pandas reads as floats); lists as JSON text; an empty field where a run has no value (NaN in pandas).
     */
    static String csv(List<Row> rows, List<String> columns) {
        StringBuilder out = new StringBuilder();
        line(out, columns);
        for (Row r : rows) {
            List<String> fields = new ArrayList<>();
            for (String c : columns) {
                fields.add(csvValue(r.get(c)));
            }
            line(out, fields);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String f = fields.get(i);
            if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
                out.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                out.append(f);
            }
        }
        out.append("\r\n");
    }

    private static String csvValue(Object v) {
        if (v instanceof Double d && d.isInfinite()) {
            return d > 0 ? "inf" : "-inf";
        }
        return RunQuery.text(v);
    }

    /**
     * A JSON list with one object per row, keys in column order, every column in every object (null where a
     * run has no value, and for NaN or infinite numbers, which JSON cannot hold); one object per line.
     */
    static String json(List<Row> rows, List<String> columns) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> o = new LinkedHashMap<>();
            for (String c : columns) {
                Object v = rows.get(i).get(c);
                o.put(c, v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v);
            }
            try {
                out.append(i == 0 ? "\n  " : ",\n  ").append(JSON.writeValueAsString(o));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a map of numbers, strings and lists always serialises", e);
            }
        }
        return out.append(rows.isEmpty() ? "]\n" : "\n]\n").toString();
    }

    /** Five significant digits without trailing zeros or exponent for everyday magnitudes: 114.93, 0.001, 1.2e-07. */
    static String shortNumber(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.isNaN(d) ? "NaN" : d > 0 ? "inf" : "-inf";
        }
        if (d != 0 && (Math.abs(d) < 1e-4 || Math.abs(d) >= 1e9)) {
            return String.format(java.util.Locale.ROOT, "%.4g", d).replaceAll("\\.?0+e", "e").replace("e+", "e");
        }
        return new BigDecimal(d).round(new MathContext(5)).stripTrailingZeros().toPlainString();
    }
}
