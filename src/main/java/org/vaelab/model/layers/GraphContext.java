package org.vaelab.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** What a layer's SameDiff twin may use: the graph, its parameter and state variables, and the mode. */
public interface GraphContext {
    /** The graph being built. */
    SameDiff sd();

    /** The variable of a trainable parameter, by its full name (see {@link Layer#params()}). */
    SDVariable param(String fullName);

    /** The variable of a state entry, by its full name (see {@link Layer#state()}); not trained. */
    SDVariable state(String fullName);

    /** Whether this graph trains (batch statistics) or evaluates (running statistics). */
    boolean training();

    /**
     * In a training graph: the value state entry {@code fullName} takes after this step (batchnorm's updated
     * running statistics); the engine reads it after each step and writes it into the state buffer.
     */
    void stateUpdate(String fullName, SDVariable next);
}
