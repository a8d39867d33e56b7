package org.vaelab.model;

import java.io.PrintStream;

/**
 * SameDiff M2.1 prints "Added differentiated op NAME" to System.out for every op when it builds a gradient
 * function: some sixty lines at the start of every run, in the middle of progress bars. This installs, once,
 * a System.out that drops exactly those lines and passes everything else through.
 */
final class SameDiffNoise {
    private static final String PREFIX = "Added differentiated op ";
    private static boolean installed;

    private SameDiffNoise() {
    }

    static synchronized void suppress() {
        if (installed) {
            return;
        }
        PrintStream original = System.out;
        System.setOut(new PrintStream(original, true) {
            @Override
            public void println(String s) {
                if (s != null && s.startsWith(PREFIX)) {
                    return;
                }
                super.println(s);
            }
        });
        installed = true;
    }
}
