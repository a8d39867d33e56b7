/**
 * Gaussian VAEs: encoders and decoders as layer lists ({@link org.vaelab.model.layers}), the
 * reparameterisation and the per-example objectives, run by one fast engine or as SameDiff graphs; graph
 * variable names live in {@link org.vaelab.model.GraphNames}. Training steps go through
 * {@link org.vaelab.model.GradientStep}: for FLOAT models where
 * {@link org.vaelab.model.FastPath#openBlasAvailable()} (ND4J's CPU backend) the engine, {@link org.vaelab.model.FastGradientStep} (OpenBLAS sgemm and SIMD kernels;
 * the same function as the objective graph), which, built forward-only, also evaluates, encodes, decodes and
 * computes importance weights; otherwise (DOUBLE, the CUDA backend, or {@code -Dvaelab.engine=samediff})
 * {@link org.vaelab.model.SameDiffGradientStep} and the graphs. {@link org.vaelab.model.VaeModel} decides in
 * one place and owns the parameters and the non-trainable {@link org.vaelab.model.ModelState} (batchnorm's
 * running statistics: bound by pointer on the engine, fed as placeholders to the graphs, updated by training
 * steps, read by every evaluation). The graphs remain the reference the engine is tested against.
 *
 * <h2>The shorthands' architecture (mirrored exactly by a PyTorch reference)</h2>
 * Layer lists are run as written (see {@link org.vaelab.model.layers}); the {@code mlp} and {@code conv}
 * shorthands expand ({@link org.vaelab.spec.LayerLists}) to the following.
 * Images are N x D rows (D = H * W, pixels in [0, 1]); latent size d = {@code model.latent_dim}; the hidden
 * activation a is {@code model.activation} (relu, tanh, elu, or leaky_relu with slope 0.01).
 * <ul>
 *   <li><b>mlp encoder</b>: for each width h in {@code model.hidden}: Linear(in, h) + a. An empty list means
 *       no hidden layer (the heads read the pixels).</li>
 *   <li><b>conv encoder</b>: view as N x 1 x H x W; for each c in {@code model.channels}:
 *       Conv2d(in, c, kernel 3, stride 2, padding 1) + a (28 -&gt; 14 -&gt; 7 -&gt; 4 for three layers;
 *       each layer maps size s to ceil(s / 2)); then flatten in NCHW order (as nn.Flatten).</li>
 *   <li><b>heads</b>: mu = Linear(features, d), logvar = Linear(features, d), no activation.</li>
 *   <li><b>mlp decoder</b>: the encoder's widths reversed, Linear + a each, then Linear(last, D) giving
 *       logits. An empty list is a single Linear(d, D) (notebook 004's linear decoder).</li>
 *   <li><b>conv decoder</b>: Linear(d, C_L * s_L * s_L) + a, view as N x C_L x s_L x s_L, then for each
 *       encoder level in reverse a ConvTranspose2d(stride 2, padding 1, output_padding 0) with kernel
 *       k = out - 2 * in + 4 per axis, chosen to hit the encoder's sizes in reverse (4 -&gt; 7: k = 3;
 *       7 -&gt; 14 and 14 -&gt; 28: k = 4); channels mirror the encoder's down to 1 output channel (the
 *       logits); activation between all but the last.</li>
 *   <li>Encoder and decoder kinds mix freely (conv encoder + mlp decoder, etc.).</li>
 * </ul>
 * Decoder output: logits l; the image mean is sigmoid(l).
 *
 * <h2>Parameter layouts and initialisation</h2>
 * Dense W is [in, out] (y = x W + b; PyTorch's Linear.weight is its transpose). Conv W is [kH, kW, inC, outC]
 * (PyTorch: [outC, inC, kH, kW]). Transposed-conv W is [kH, kW, outC, inC] (PyTorch's ConvTranspose2d:
 * [inC, outC, kH, kW]). Every weight and bias starts uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's
 * default, with fan_in = in for Linear, inC * k * k for Conv2d and outC * k * k for ConvTranspose2d (PyTorch
 * computes a transposed conv's fan-in from weight.size(1)). Values are drawn in Java from the run's seed.
 *
 * <h2>Objective (per example, in nats; means are over the batch)</h2>
 * q(z|x) = N(mu, diag(exp(logvar))), p(z) = N(0, I), z = mu + exp(logvar / 2) * eps with eps fed as input
 * ({@link org.vaelab.model.GraphNames#EPS}; SameDiff's random ops are not reproducibly seeded).
 * <ul>
 *   <li>bce: -log p(x|z) = sum_j softplus(l_j) - x_j l_j (Bernoulli from logits; valid for grey x too).</li>
 *   <li>mse: unit-variance Gaussian with mean sigmoid(l): 0.5 * sum_j (x_j - m_j)^2 + 0.5 * D * log(2 pi).
 *       The constant is 0.5 * 784 * log(2 pi) = 720.4 nats for MNIST; the summed squared error is reported
 *       separately.</li>
 *   <li>KL = 0.5 * sum_d (mu^2 + exp(logvar) - 1 - logvar) (Kingma and Welling 2014).</li>
 *   <li>elbo with K samples: mean over the K reconstruction terms + beta_t * KL; with free bits lambda the
 *       KL term is sum_d max(lambda, mean over the batch of KL_d) (Kingma et al. 2016).</li>
 *   <li>iwae with K samples (Burda et al. 2016): -log (1/K) sum_k w_k, log w_k = log p(x|z_k) +
 *       beta_t * (log p(z_k) - log q(z_k|x)) (beta_t = 1 gives the IWAE bound), by a stable log-sum-exp.</li>
 * </ul>
 *
 * <h2>SameDiff M2.1 traps handled here</h2>
 * sd.loss.* ops ignore the incoming gradient in backprop (so they cannot be scaled or averaged inside an
 * objective); reductions along a dimension of length 1 throw (latent size 1, K = 1, a batch of one);
 * logSumExp returns -infinity for large spreads; softplus and logSigmoid overflow in FLOAT; the default
 * array holder copies the arrays given to var() (so parameters could not share one buffer). On the CPU,
 * sd.cnn.conv2d/deconv2d run 5-20x slower than a gemm of the same size and relu's backward 20x slower than a
 * multiply, so the CPU trains and evaluates on the engine and the graphs (whose fused relu twin is
 * x * step(x)) serve as reference, DOUBLE and GPU path; and intermediate arrays are left to the garbage
 * collector (calculateGradientsAndOutputs releases none, INDArray.close() does not free reusably), so
 * every graph's session allocates from a {@code StepArena}.
 */
package org.vaelab.model;
