package org.vaelab.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.layers.Layer;

/**
 * A model's non-trainable state (batchnorm's running statistics) in one flat buffer beside its
 * {@link Parameters}: same layout rules (entries in layer order, a view per entry), saved with checkpoints,
 * never seen by the optimiser. Empty (size 0) for models without such layers.
 *
 * <p>Wiring: the fast path binds each layer to a pointer into {@link #flat()} at its first entry (null when the
 * layer has no state) and the layers update it in place. A SameDiff graph should take the entries as
 * placeholders fed from {@link #view}: {@code sd.constant} copies its array, so a constant would keep the
 * initial statistics; a training graph's {@code GraphContext.stateUpdate} outputs go back through
 * {@link #apply}. Checkpoints carry it via {@code Checkpoint}'s state fields and {@code restoreState}.
 */
public final class ModelState implements AutoCloseable {
    private final Parameters values;

    /** A buffer for {@code entries} (in buffer order), at their initial values. */
    public ModelState(List<Parameters.Param> entries, DataType dtype) {
        this.values = new Parameters(entries, dtype);
        reset();
    }

    /** The state of {@code layers} (encoder, then decoder, as the parameters are ordered). */
    public static ModelState of(List<? extends Layer> layers, DataType dtype) {
        List<Parameters.Param> entries = new ArrayList<>();
        for (Layer l : layers) {
            entries.addAll(l.state());
        }
        return new ModelState(entries, dtype);
    }

    /** Back to the initial values (running mean 0, running variance 1): constants, so no seed is needed. */
    public void reset() {
        if (size() > 0) {
            values.initialise(0);
        }
    }

    /** The entries in buffer order. */
    public List<Parameters.Param> list() {
        return values.list();
    }

    /** Number of scalars. */
    public long size() {
        return values.size();
    }

    /** Element type of the buffer. */
    public DataType dataType() {
        return values.dataType();
    }

    /** The flat [1, S] buffer (for the fast path: bind layers to pointers into it). */
    public INDArray flat() {
        return values.flat();
    }

    /** The view of entry {@code name}. */
    public INDArray view(String name) {
        return values.view(name);
    }

    /** Names in buffer order. */
    public List<String> names() {
        return values.names();
    }

    /** Changes whenever entry names, shapes or order change ({@code ""} without state): guards checkpoints. */
    public String signature() {
        return values.signature();
    }

    /** The values as floats, for a checkpoint. */
    public float[] toFloats() {
        return size() == 0 ? new float[0] : values.flat().toFloatVector();
    }

    /** Overwrites every value from a checkpoint's floats. */
    public void assign(float[] v) {
        if (v.length != size()) {
            throw new IllegalArgumentException("state has " + size() + " values, got " + v.length);
        }
        if (v.length > 0) {
            values.flat().assign(Nd4j.createFromArray(v).castTo(dataType()).reshape(1, v.length));
        }
    }

    /**
     * Writes what a training graph computed for the next state ({@code GraphContext.stateUpdate}: full entry
     * name to new value) into the buffer, after each SameDiff step.
     */
    public void apply(Map<String, INDArray> next) {
        for (Map.Entry<String, INDArray> e : next.entrySet()) {
            INDArray view = values.view(e.getKey());
            view.assign(e.getValue().castTo(dataType()).reshape(view.shape()));
        }
    }

    @Override
    public void close() {
        values.close();
    }
}
