package org.vaelab.spec;

/** Training bound with K samples: plain ELBO average or importance-weighted (IWAE). */
public enum Estimator implements Choice {
    ELBO("elbo"),
    IWAE("iwae");

    private final String yaml;

    Estimator(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
