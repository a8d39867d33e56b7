package org.vaelab.spec;

/** Hidden-layer nonlinearity. */
public enum Activation implements Choice {
    RELU("relu"),
    TANH("tanh"),
    ELU("elu"),
    LEAKY_RELU("leaky_relu");

    private final String yaml;

    Activation(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
