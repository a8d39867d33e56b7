package org.vaelab.spec;

/**
 * Encoder or decoder architecture: one of the two shorthands, or an explicit layer list
 * ({@link ModelSpec#encoderLayers()}). {@code LAYERS} is never spelt in a spec: a YAML list says it.
 */
public enum NetKind implements Choice {
    MLP("mlp"),
    CONV("conv"),
    LAYERS("layers");

    private final String yaml;

    NetKind(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
