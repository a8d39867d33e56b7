package org.vaelab.model.layers;

import org.bytedeco.javacpp.FloatPointer;

/**
 * Two native scratch buffers shared by every layer of one step (gemm outputs are written there and copied out
 * at once), sized to the largest request: layers {@link #reserve} in {@code allocate}, the engine calls
 * {@link #commit} after every layer has reserved, and layers read {@link #a()} / {@link #b()} from then on.
 */
public final class Workspace implements AutoCloseable {
    private long need;
    private long have;
    private FloatPointer a;
    private FloatPointer b;

    /** Asks for at least {@code floats} in each buffer. */
    public void reserve(long floats) {
        need = Math.max(need, floats);
    }

    /** (Re)allocates the buffers when a reservation grew. */
    public void commit() {
        if (need > have) {
            close();
            a = new FloatPointer(Math.max(1, need));
            b = new FloatPointer(Math.max(1, need));
            have = need;
        }
    }

    /** First scratch buffer. */
    public FloatPointer a() {
        return a;
    }

    /** Second scratch buffer. */
    public FloatPointer b() {
        return b;
    }

    @Override
    public void close() {
        if (a != null) {
            a.close();
            b.close();
            a = null;
            b = null;
            have = 0;
        }
    }
}
