package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The sweep's report refresher: the first finished run is drawn at once, later ones wait out the gap and share
 * one refresh, none is drawn once every run has ended, and closing drops a refresh still waiting.
 */
class ReportRefresherTest {
    private final List<Long> renders = new CopyOnWriteArrayList<>();

    private Runnable recording() {
        return () -> renders.add(System.nanoTime());
    }

    @Test
    void theFirstRefreshIsAtOnceAndRunsFinishingWithinTheGapShareTheNextOne() throws Exception {
        Duration gap = Duration.ofMillis(600);
        long t0 = System.nanoTime();
        try (ReportRefresher r = new ReportRefresher(recording(), () -> false, gap)) {
            r.request();
            waitFor(1);
            Thread.sleep(50);
            r.request(); // within the gap: waits
            r.request(); // shares it
            r.request();
            waitFor(2);
            Thread.sleep(gap.toMillis() + 300); // no third one was asked for
        }
        assertEquals(2, renders.size(), "one refresh at once, one for the three runs that finished within the gap");
        assertTrue(renders.get(0) - t0 < gap.toNanos() / 2, "the first refresh does not wait");
        assertTrue(renders.get(1) - renders.get(0) >= gap.toNanos(),
                "the second starts a gap after the first: " + (renders.get(1) - renders.get(0)) / 1e6 + " ms");
    }

    @Test
    void closingDropsARefreshThatIsStillWaitingForItsTurn() throws Exception {
        long t0;
        try (ReportRefresher r = new ReportRefresher(recording(), () -> false, Duration.ofSeconds(60))) {
            r.request();
            waitFor(1);
            r.request(); // would wait a minute
            t0 = System.nanoTime();
        }
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "close does not wait out the gap");
        assertEquals(1, renders.size(), "the final render follows close: the waiting refresh is not drawn");
    }

    @Test
    void noRefreshIsDrawnOnceEveryRunHasEnded() throws Exception {
        AtomicBoolean ended = new AtomicBoolean(true);
        try (ReportRefresher r = new ReportRefresher(recording(), ended::get, Duration.ZERO)) {
            r.request();
            Thread.sleep(200);
            assertEquals(0, renders.size(), "the last run's refresh is left to the final render");
            ended.set(false);
            r.request();
            waitFor(1);
        }
        assertEquals(1, renders.size());
    }

    @Test
    void closingWaitsForARefreshThatIsDrawing() throws Exception {
        CountDownLatch drawing = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        ReportRefresher r = new ReportRefresher(() -> {
            drawing.countDown();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        }, () -> false, Duration.ZERO);
        r.request();
        assertTrue(drawing.await(5, TimeUnit.SECONDS));
        r.close();
        assertTrue(finished.get(), "the final render must never run beside a refresh");
    }

    private void waitFor(int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (renders.size() < n && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(n, renders.size(), "refreshes drawn");
    }
}
