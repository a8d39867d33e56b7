/**
 * Data: IDX reading (raw and gzipped), fetching and checksumming MNIST, the Fashion-MNIST and plain-IDX
 * sources, stratified subsets, static binarisation, and batching into {@code float[]} rows in [0,1].
 *
 * <p>Everything random here takes an explicit seed, so that a run's data (its subset, its binarisation, its
 * batch order and per-batch noise) is reproduced exactly by rerunning it. Errors a user can fix are
 * {@link org.vaelab.data.DataException}s whose message is one line naming the file or key and the fix.
 *
 * <p>IDX format: Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits",
 * http://yann.lecun.com/exdb/mnist/ (section "File formats for the MNIST database").
 */
package org.vaelab.data;
