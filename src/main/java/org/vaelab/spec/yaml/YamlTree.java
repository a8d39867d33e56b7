package org.vaelab.spec.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML into a plain tree (maps, lists, scalars) and remembers where each key and list element
 * stands, so that a problem found later by path can name its line and column. Streams tokens rather
 * than binding a JsonNode because a node tree forgets locations and silently keeps duplicate keys.
 */
final class YamlTree {
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    /** A 1-based position in the text. */
    record Location(int line, int column) {
    }

    /** A problem the reader itself finds in well-formed YAML (duplicate keys, aliases, several documents). */
    record Problem(String path, String message, Location location) {
    }

    /**
     * A parsed document.
     *
     * @param root      the top-level value: a Map, List, scalar, or null for an empty document
     * @param locations where each path's key (map entries) or element (list items) starts; "" is the root
     * @param problems  what the reader found wrong
     */
    record Document(Object root, Map<String, Location> locations, List<Problem> problems) {
    }

    /** YAML that does not parse at all: one position and a short reason. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;
        final int column;
        final String reason;

        SyntaxError(int line, int column, String reason) {
            super(line + ":" + column + ": " + reason);
            this.line = line;
            this.column = column;
            this.reason = reason;
        }
    }

    private final Map<String, Location> locations = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    private YamlTree() {
    }

    static Document read(String text) throws SyntaxError {
        YamlTree reader = new YamlTree();
        reader.locations.put("", new Location(1, 1));
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                return new Document(null, reader.locations, reader.problems);
            }
            Object root = reader.value(p, "");
            if (p.nextToken() != null) {
                reader.problems.add(new Problem("", "a second YAML document starts here; a spec file holds one",
                        location(p.currentTokenLocation())));
            }
            return new Document(root, reader.locations, reader.problems);
        } catch (JsonProcessingException e) {
            throw syntaxError(e);
        } catch (IOException e) {
            throw new SyntaxError(1, 1, e.getMessage()); // reading a String: not expected to happen
        }
    }

    private Object value(JsonParser p, String path) throws IOException {
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                Map<String, Location> firstSeen = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    String child = path.isEmpty() ? key : path + "." + key;
                    Location at = location(p.currentTokenLocation());
                    Location first = firstSeen.putIfAbsent(key, at);
                    if (first != null) {
                        problems.add(new Problem(child, "duplicate key (first at line " + first.line()
                                + "); keep one", at));
                    }
                    locations.put(child, at);
                    p.nextToken();
                    map.put(key, value(p, child));
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    String child = path + "[" + i++ + "]";
                    locations.put(child, location(p.currentTokenLocation()));
                    list.add(value(p, child));
                }
                return list;
            }
            case VALUE_STRING:
                if (p instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    problems.add(new Problem(path, "YAML aliases (*" + p.getText() + ") are not supported; "
                            + "write the value out", locations.getOrDefault(path, location(p.currentTokenLocation()))));
                }
                return p.getText();
            case VALUE_NUMBER_INT:
                Number n = p.getNumberValue();
                return n instanceof BigInteger ? n : (Object) n.longValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                // Embedded binary (!!binary) and the like: keep the text so the binder reports a type error.
                return p.getText();
        }
    }

    private static Location location(JsonLocation at) {
        return new Location(Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()));
    }

    /** Turns the parser's exception into a position and a reason a user can act on, without class names. */
    private static SyntaxError syntaxError(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                Mark mark = m.getProblemMark();
                String reason = reason(m.getProblem());
                if (m.getContext() != null && m.getContextMark() != null && !reason.contains("indent")) {
                    reason += " (" + m.getContext().trim() + " started at line " + (m.getContextMark().getLine() + 1)
                            + ", column " + (m.getContextMark().getColumn() + 1) + ")";
                }
                return new SyntaxError(mark.getLine() + 1, mark.getColumn() + 1, reason);
            }
        }
        JsonLocation at = e.getLocation();
        String message = e.getOriginalMessage() == null ? "unreadable YAML" : e.getOriginalMessage();
        message = message.isEmpty() ? message : message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1);
        return new SyntaxError(at == null ? 1 : Math.max(1, at.getLineNr()), at == null ? 1 : Math.max(1, at.getColumnNr()),
                message.lines().findFirst().orElse(message));
    }

    private static String reason(String problem) {
        if (problem == null) {
            return "unreadable YAML";
        }
        if (problem.contains("\\t(TAB)")) {
            return "a tab character; indent YAML with spaces, not tabs";
        }
        if (problem.contains("<block end>") || problem.contains("<block mapping start>")) {
            return "bad indentation: this line does not line up with the keys above it";
        }
        if (problem.contains("mapping values are not allowed here")) {
            return "a ':' where no key can start (quote a value that contains ': ', or check the indentation)";
        }
        if (problem.contains("<stream end>")) {
            return "the text ends before the value is complete (an unclosed bracket or quote?)";
        }
        if (problem.contains("could not find expected ':'")) {
            return "a key without ':' (or a line that is not indented under its key)";
        }
        return problem.trim();
    }
}
