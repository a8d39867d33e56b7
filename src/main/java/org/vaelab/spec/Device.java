package org.vaelab.spec;

/** ND4J backend a run asks for. */
public enum Device implements Choice {
    CPU("cpu"),
    CUDA("cuda");

    private final String yaml;

    Device(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
