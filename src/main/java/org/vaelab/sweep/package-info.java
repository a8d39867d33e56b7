/**
 * Sweep expansion: {@link org.vaelab.sweep.SweepExpander} turns an experiment spec into its list of runs
 * in a documented order, with stable ids (a hash of each resolved config), readable names and a size guard.
 * Pure; depends only on {@code org.vaelab.spec}.
 */
package org.vaelab.sweep;
