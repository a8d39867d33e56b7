/**
 * The engine's layers: each kind owns its fast FLOAT forward/backward on the CPU (OpenBLAS sgemm plus the SIMD
 * kernels of {@link org.vaelab.model.Kernels}, buffers allocated once per row count) and its SameDiff twin
 * (the reference, the DOUBLE path and the GPU path). {@link org.vaelab.model.layers.Layers} builds a side's
 * layers from its {@link org.vaelab.spec.LayerSpec} list with the parameter names vaelab has always used;
 * {@link org.vaelab.model.layers.LayerStack} runs them, letting a linear (or conv) layer absorb the
 * activation that follows it so the shorthand models run the same passes as the hand-written steps did.
 */
package org.vaelab.model.layers;
