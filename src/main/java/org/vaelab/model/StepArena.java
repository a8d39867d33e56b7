package org.vaelab.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A SameDiff session memory manager that hands out the same buffers step after step: every array allocated
 * during a step stays valid until {@link #recycle()}, which makes all of them available again for the next
 * step's allocations of the same type, order and shape. A training step has the same shapes every time, so
 * after the first step nothing is allocated at all.
 *
 * <p>Why: on the gradient route ({@code calculateGradientsAndOutputs}) SameDiff M2.1 never releases an
 * intermediate array (it switches its array cache off for that route), and {@code INDArray.close()} does not
 * return an M2.1 CPU buffer's memory either (measured: 50 create+close of a 16.8 MB array grew the resident
 * set by 850 MB). Only the garbage collector frees them, and the Java heap, which these arrays barely touch,
 * seldom triggers it: the conv model's training grew to 10 GB resident at batch 512, and every op wrote into
 * freshly mapped pages. With this manager the resident set stays at one step's arrays.
 *
 * <p>Each allocation gets a new INDArray object on a pooled buffer (SameDiff tracks arrays by identity).
 * Not thread-safe; one arena per session (sessions are per thread).
 */
final class StepArena extends AbstractMemoryMgr {
    private record Key(DataType type, char order, List<Long> shape) {
    }

    private final Map<Key, ArrayDeque<DataBuffer>> free = new HashMap<>();
    private final List<Map.Entry<Key, DataBuffer>> inUse = new ArrayList<>();
    private long bytes;

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        return take(dataType, 'c', shape);
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty()) {
            return Nd4j.create(descriptor); // no buffer to pool
        }
        return take(descriptor.dataType(), descriptor.getOrder(), descriptor.getShape());
    }

    private INDArray take(DataType type, char order, long[] shape) {
        Key key = new Key(type, order, Arrays.stream(shape).boxed().toList());
        ArrayDeque<DataBuffer> q = free.get(key);
        DataBuffer buf = q == null ? null : q.poll();
        INDArray a;
        if (buf == null) {
            a = Nd4j.createUninitializedDetached(type, order, shape);
            buf = a.data();
            bytes += buf.length() * type.width();
        } else {
            a = Nd4j.create(buf, shape, Nd4j.getStrides(shape, order), 0, order, type);
        }
        inUse.add(Map.entry(key, buf));
        return a;
    }

    /** The session is done with a step's arrays only when the step is over; see {@link #recycle()}. */
    @Override
    public void release(INDArray array) {
        // SameDiff calls this only on routes with its cache on; keeping the buffer until recycle() is safe
    }

    /**
     * Makes every buffer handed out since the last call available again. Call it only when nothing from
     * the step is read any more (outputs and gradients copied out).
     */
    void recycle() {
        for (Map.Entry<Key, DataBuffer> e : inUse) {
            free.computeIfAbsent(e.getKey(), k -> new ArrayDeque<>()).add(e.getValue());
        }
        inUse.clear();
    }

    /** Bytes of all pooled buffers (what one step needs). */
    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        // buffers are freed by the garbage collector once the arena is dropped (close() would not free them)
        free.clear();
        inUse.clear();
    }
}
