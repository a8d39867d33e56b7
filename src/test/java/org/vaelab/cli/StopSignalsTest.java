package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.vaelab.cli.StopSignals.Action;
import org.vaelab.cli.StopSignals.State;

/**
 * Which stop is the first, which is part of it and which means "now" ({@link StopSignals.State}). The signals
 * themselves, through the real command line, are {@link StopSignalTest}'s.
 */
class StopSignalsTest {

    @Test
    void theFirstSignalStopsAndTheSameSignalAgainHalts() {
        State s = new State();
        assertNull(s.received());
        assertEquals(Action.STOP, s.signalled("SIGINT", 130));
        assertEquals("SIGINT", s.received());
        assertEquals(130, s.exitCode());
        assertEquals(Action.HALT, s.signalled("SIGINT", 130), "Ctrl-C twice");
    }

    @Test
    void ctrlCInAWorkerIsOneStopWhicheverOfTheTerminalsSignalAndTheParentsLineComesFirst() {
        // The terminal's SIGINT first, then the parent's line, then the parent's SIGTERM (destroy).
        State terminalFirst = new State();
        assertEquals(Action.STOP, terminalFirst.signalled("SIGINT", 130));
        assertEquals(Action.IGNORE, terminalFirst.fromParent("SIGINT"));
        assertEquals(Action.IGNORE, terminalFirst.signalled("SIGTERM", 143));
        assertEquals("SIGINT", terminalFirst.received());

        // The parent's line first (seen on CI): the terminal's SIGINT after it is the same stop, not a second
        // Ctrl-C, so the worker still records its run as interrupted instead of halting.
        State parentFirst = new State();
        assertEquals(Action.STOP, parentFirst.fromParent("SIGINT"));
        assertEquals(Action.IGNORE, parentFirst.signalled("SIGINT", 130));
        assertEquals(Action.HALT, parentFirst.signalled("SIGINT", 130), "a real second Ctrl-C still halts");
        assertEquals(130, parentFirst.exitCode());
    }

    @Test
    void aStopPassedOnFromTheParentNamesItsSignal() {
        State term = new State();
        assertEquals(Action.STOP, term.fromParent("SIGTERM"));
        assertEquals("SIGTERM", term.received());
        assertEquals(143, term.exitCode());
        assertEquals(Action.IGNORE, term.fromParent("SIGTERM"));
        assertEquals(Action.IGNORE, term.signalled("SIGTERM", 143), "its parent's SIGTERM after the line");
    }
}
