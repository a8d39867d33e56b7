package org.vaelab.spec;

/** Which data set a run trains on. */
public enum DatasetName implements Choice {
    MNIST("mnist"),
    FASHION_MNIST("fashion-mnist"),
    IDX("idx");

    private final String yaml;

    DatasetName(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
