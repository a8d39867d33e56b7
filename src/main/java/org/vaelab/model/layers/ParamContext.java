package org.vaelab.model.layers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A {@link GraphContext} over functions that bind parameter and state names to the graph's variables. */
public final class ParamContext implements GraphContext {
    private final SameDiff sd;
    private final Function<String, SDVariable> params;
    private final Function<String, SDVariable> state;
    private final boolean training;
    private final Map<String, SDVariable> updates = new LinkedHashMap<>();

    /**
     * @param params binds a parameter's full name to its variable
     * @param state  binds a state entry's full name to its variable (null: the graph has no state)
     */
    public ParamContext(SameDiff sd, Function<String, SDVariable> params, Function<String, SDVariable> state,
                        boolean training) {
        this.sd = sd;
        this.params = params;
        this.state = state;
        this.training = training;
    }

    @Override
    public SameDiff sd() {
        return sd;
    }

    @Override
    public SDVariable param(String fullName) {
        return params.apply(fullName);
    }

    @Override
    public SDVariable state(String fullName) {
        if (state == null) {
            throw new IllegalStateException("this graph has no state buffer, yet a layer asks for " + fullName);
        }
        return state.apply(fullName);
    }

    @Override
    public boolean training() {
        return training;
    }

    @Override
    public void stateUpdate(String fullName, SDVariable next) {
        updates.put(fullName, next);
    }

    /** The state updates the layers declared (name to the variable holding the next value). */
    public Map<String, SDVariable> stateUpdates() {
        return updates;
    }
}
