package org.vaelab.spec;

/** How the KL weight beta_t is ramped up during training. */
public enum WarmupSchedule implements Choice {
    NONE("none"),
    LINEAR("linear"),
    CYCLICAL("cyclical");

    private final String yaml;

    WarmupSchedule(String yaml) {
        this.yaml = yaml;
    }

    @Override
    public String yaml() {
        return yaml;
    }
}
