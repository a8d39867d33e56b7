package org.vaelab.spec;

/** Gradient optimiser. */
public enum Optimizer implements Choice {
    ADAM("adam");

    private final String yaml;

    Optimizer(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
