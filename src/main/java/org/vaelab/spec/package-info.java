/**
 * The experiment spec as immutable, validated records, and the pure binder from parsed spec trees to them.
 *
 * <p>{@link org.vaelab.spec.ConfigTree} is the entry point: it binds a tree (as parsed from YAML by
 * {@code org.vaelab.spec.yaml}) over the records' DEFAULTs, collecting every
 * {@link org.vaelab.spec.SpecProblem} at once, and writes configs back as trees and canonical text for
 * hashing. No I/O and no dependency on any other vaelab package.
 *
 * <p>Architectures: {@link org.vaelab.spec.LayerSpec} is the layer vocabulary with each kind's shape rule;
 * {@link org.vaelab.spec.LayerLists} expands the mlp/conv shorthands into layer lists and checks a model's
 * shapes for an image size; {@code LayerTrees} binds the YAML layer lists of model.encoder/model.decoder into
 * their canonical tree (every option stated, so equal models share a run id); {@link org.vaelab.spec.ModelSummary}
 * counts parameters per layer as PyTorch does.
 */
package org.vaelab.spec;
