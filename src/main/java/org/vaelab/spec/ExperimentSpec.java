package org.vaelab.spec;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A parsed and validated experiment spec: a base config and what the sweep varies around it.
 *
 * @param name        sweep name matching {@link #NAME}; names results/&lt;name&gt;/ and reports/&lt;name&gt;/
 * @param description free text shown in the report ("" when absent)
 * @param base        the config every run starts from
 * @param sweep       what varies
 */
public record ExperimentSpec(String name, String description, RunConfig base, SweepSpec sweep) {
    /**
     * Allowed sweep names: the issue's {@code [a-z0-9._-]+}, but not starting with '.' or '-', so that a
     * name can never be {@code ..} (a folder outside results/) nor look like a command-line option.
     */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    public ExperimentSpec {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: must match " + NAME.pattern() + " (got '" + name + "')");
        }
        description = description == null ? "" : description;
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(sweep, "sweep");
    }
}
