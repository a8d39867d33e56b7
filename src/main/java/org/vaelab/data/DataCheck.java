package org.vaelab.data;

import java.util.List;

/**
 * What the data of a run would say before any of it is trained or written: every problem at once (subset
 * sizes against the data, class labels present, train and test image sizes, the model against the image
 * size), or a note that the data is not there yet and these checks wait for its fetch.
 *
 * @param problems one line each, naming the {@code dataset.*} key or file and the fix; empty when fine
 * @param pending  why the data-dependent checks could not run yet (MNIST not fetched), or null
 */
public record DataCheck(List<String> problems, String pending) {
    public DataCheck {
        problems = List.copyOf(problems);
    }
}
