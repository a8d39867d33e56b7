package org.vaelab.diagnostics;

/**
 * A latent unit changing state: at {@code epoch} it was found inactive ({@code active = false}) or active again.
 *
 * @param unit   latent dimension index, 0-based
 * @param epoch  epoch number as given by the trainer (1-based there)
 * @param active the state the unit is in from this epoch on
 */
public record UnitEvent(int unit, int epoch, boolean active) {
}
