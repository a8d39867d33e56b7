/**
 * The engine's layers: each kind owns its fast FLOAT forward/backward on the CPU (OpenBLAS sgemm through
 * {@link org.vaelab.model.layers.Blas} plus the SIMD kernels of {@link org.vaelab.model.Kernels}, buffers
 * allocated once per row count, scratch shared through a {@link org.vaelab.model.layers.Workspace}) and its
 * SameDiff twin (the reference, the DOUBLE path and the GPU path), given a
 * {@link org.vaelab.model.layers.GraphContext} that also says whether the graph trains (batch statistics) or
 * evaluates (running statistics). {@link org.vaelab.model.layers.Layers} builds a side's layers from its
 * {@link org.vaelab.spec.LayerSpec} list with the parameter names vaelab has always used;
 * {@link org.vaelab.model.layers.LayerStack} binds them to the flat parameter, gradient and state buffers and
 * runs them, letting a linear or conv layer absorb the activation that follows it (one pass over its output
 * instead of two, in both paths) and the decoder's last linear layer leave its bias to the reconstruction
 * kernel, so the shorthand models run the same passes as the hand-written steps they replaced.
 * {@link org.vaelab.model.layers.BatchNormLayer} keeps its running statistics in the model's state buffer
 * ({@link org.vaelab.model.ModelState}), updated in place by training forwards.
 */
package org.vaelab.model.layers;
