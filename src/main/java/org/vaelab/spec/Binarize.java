package org.vaelab.spec;

/** How grey pixels become 0/1: never, once per data set, or freshly per batch. */
public enum Binarize implements Choice {
    NONE("none"),
    STATIC("static"),
    DYNAMIC("dynamic");

    private final String yaml;

    Binarize(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
