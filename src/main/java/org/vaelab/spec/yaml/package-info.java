/**
 * The one place that reads YAML: {@link org.vaelab.spec.yaml.SpecLoader} parses a spec file with Jackson
 * YAML, keeps each key's line and column, applies {@code --set} overrides and turns every problem into a
 * {@code file:line:col: key.path: message} line of a {@link org.vaelab.spec.yaml.SpecException}.
 */
package org.vaelab.spec.yaml;
