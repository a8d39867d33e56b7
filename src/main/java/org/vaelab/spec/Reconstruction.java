package org.vaelab.spec;

/** Decoder likelihood: Bernoulli (bce) or unit-variance Gaussian (mse). */
public enum Reconstruction implements Choice {
    BCE("bce"),
    MSE("mse");

    private final String yaml;

    Reconstruction(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
