/**
 * The experiment spec as immutable, validated records, and the pure binder from parsed spec trees to them.
 *
 * <p>{@link org.vaelab.spec.ConfigTree} is the entry point: it binds a tree (as parsed from YAML by
 * {@code org.vaelab.spec.yaml}) over the records' DEFAULTs, collecting every
 * {@link org.vaelab.spec.SpecProblem} at once, and writes configs back as trees and canonical text for
 * hashing. No I/O and no dependency on any other vaelab package.
 */
package org.vaelab.spec;
