package org.vaelab.spec;

/** Encoder or decoder architecture family. */
public enum NetKind implements Choice {
    MLP("mlp"),
    CONV("conv");

    private final String yaml;

    NetKind(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
