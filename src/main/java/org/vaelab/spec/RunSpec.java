package org.vaelab.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run of a sweep, fully resolved.
 *
 * @param id     stable id: hash of the resolved config (same config, same id, whatever the spec file looks like)
 * @param name   readable name from the varied keys, e.g. {@code latent_dim=8,beta=4}
 * @param sweep  the sweep (spec) name
 * @param index  position in the sweep's documented expansion order, from 0
 * @param varied the dotted keys this run varies and their values, in expansion order
 * @param config the resolved config
 */
public record RunSpec(String id, String name, String sweep, int index, Map<String, Object> varied,
                      RunConfig config) {
    public RunSpec {
        varied = Collections.unmodifiableMap(new LinkedHashMap<>(varied));
    }
}
