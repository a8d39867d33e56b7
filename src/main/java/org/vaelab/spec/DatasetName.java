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

    /** Image height in pixels, or 0 when only the files say (idx). */
    public int rows() {
        return this == IDX ? 0 : 28;
    }

    /** Image width in pixels, or 0 when only the files say (idx). */
    public int cols() {
        return this == IDX ? 0 : 28;
    }
}
