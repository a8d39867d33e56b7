package org.vaelab.slurm;

/** Slurm refused or could not do what was asked (its own words are in the message). */
public final class SlurmException extends Exception {
    private static final long serialVersionUID = 1L;

    public SlurmException(String message) {
        super(message);
    }
}
