package org.vaelab.model;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A SameDiff session memory manager that hands out the same native buffers again and again instead of
 * allocating new ones: a buffer serves the next allocation that fits it as soon as the session
 * releases its array (SameDiff does that once no op of the call needs it any more), or as soon as the caller
 * gives back an array the call returned ({@link #giveBack}). A graph's calls have the same shapes every time,
 * so after the first call nothing is allocated, and within a call buffers are shared by arrays whose lives
 * do not overlap.
 *
 * <p>Why: SameDiff M2.1 on the CPU leaves intermediate arrays to the garbage collector. On the gradient route
 * ({@code calculateGradientsAndOutputs}) it releases none of them (it switches its array cache off there); on
 * {@code output()} it releases them into an array cache sized at a quarter of JavaCPP's maxbytes, which
 * vaelab's launcher sets to 0, so the cache keeps nothing and closes them; and {@code INDArray.close()} does
 * not give the memory back in a reusable way (measured: 50 create+close of a 16.8 MB array grew the resident
 * set by 840 MB; NativeMemoryProbe). The Java heap, which these arrays barely touch, seldom triggers a
 * collection, so the conv model's training grew to 10 GB resident at batch 512, and every op wrote into
 * freshly mapped pages.
 *
 * <p>A free buffer serves any request of its data type that is at most its length and at least half of it
 * (the array is then a view on the buffer's first elements), as SameDiff's own array cache does. Each
 * allocation gets a new INDArray object (SameDiff tracks arrays by identity). Only buffers this arena
 * allocated are reused, never a caller's array, and a buffer is never handed out twice at once. Not
 * thread-safe: one arena per session (sessions are per thread).
 */
final class StepArena extends AbstractMemoryMgr {
    /** A free buffer serves a request of up to this many times fewer elements (then as a view on it). */
    private static final long MAX_WASTE = 2;

    /** Free buffers per data type, by length. */
    private final Map<DataType, TreeMap<Long, ArrayDeque<DataBuffer>>> free = new HashMap<>();
    private final Set<DataBuffer> ours = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<DataBuffer> isFree = Collections.newSetFromMap(new IdentityHashMap<>());
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
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        DataBuffer buf = null;
        TreeMap<Long, ArrayDeque<DataBuffer>> byLength = free.get(type);
        Map.Entry<Long, ArrayDeque<DataBuffer>> e = byLength == null ? null : byLength.ceilingEntry(length);
        if (e != null && e.getKey() <= MAX_WASTE * length) {
            buf = e.getValue().poll();
            if (e.getValue().isEmpty()) {
                byLength.remove(e.getKey());
            }
        }
        if (buf == null) {
            INDArray a = Nd4j.createUninitializedDetached(type, order, shape);
            ours.add(a.data());
            bytes += length * type.width();
            return a;
        }
        isFree.remove(buf);
        return Nd4j.create(buf, shape, Nd4j.getStrides(shape, order), 0, order, type);
    }

    /** The session no longer needs {@code array}: its buffer serves the next allocation of its size. */
    @Override
    public void release(INDArray array) {
        if (array.isEmpty()) {
            return;
        }
        DataBuffer buf = array.data();
        if (buf != null && ours.contains(buf) && isFree.add(buf)) {
            free.computeIfAbsent(buf.dataType(), k -> new TreeMap<>())
                    .computeIfAbsent(buf.length(), k -> new ArrayDeque<>()).add(buf);
        }
    }

    /** The caller is done with arrays a call returned (read or copied out): their buffers serve again. */
    void giveBack(Iterable<INDArray> arrays) {
        for (INDArray a : arrays) {
            release(a);
        }
    }

    /** Bytes of all buffers this arena allocated. */
    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        // the buffers are freed by the garbage collector once nothing refers to them
        free.clear();
        ours.clear();
        isFree.clear();
    }
}
