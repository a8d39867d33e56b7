package org.vaelab.spec;

/** An enum constant with the exact spelling the YAML spec uses for it. */
public interface Choice {
    /** The value as written in a spec file, e.g. {@code fashion-mnist}. */
    String yaml();
}
