package org.vaelab.spec;

/**
 * A parsed and validated experiment spec: a base config and what the sweep varies around it.
 *
 * @param name        sweep name, [a-z0-9._-]+; names results/&lt;name&gt;/ and reports/&lt;name&gt;/
 * @param description free text shown in the report
 * @param base        the config every run starts from
 * @param sweep       what varies
 */
public record ExperimentSpec(String name, String description, RunConfig base, SweepSpec sweep) {
}
