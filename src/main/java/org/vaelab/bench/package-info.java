/**
 * Speed benchmark: vaelab's real trainer against a PyTorch implementation of the same model
 * ({@code bench/torch_vae.py}), each measurement in its own process with its own thread settings.
 */
package org.vaelab.bench;
