package org.vaelab.report;

import java.awt.Color;

/** Colours: Tableau 10 for categories (as matplotlib's tab10, which the seed notebooks use) and viridis for scales. */
final class Palette {
    private Palette() {
    }

    static final Color[] TAB10 = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    /** Viridis (van der Walt and Smith, matplotlib 2015) at 9 stops; perceptually uniform and readable in grey. */
    private static final int[] VIRIDIS = {
        0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};

    /** Colour {@code i} of {@code n} categories: tab10 up to 10, then evenly spaced viridis. */
    static Color category(int i, int n) {
        if (n <= TAB10.length) {
            return TAB10[Math.floorMod(i, TAB10.length)];
        }
        return viridis(n <= 1 ? 0 : i / (double) (n - 1) * 0.92);
    }

    /** Viridis at {@code t} in [0, 1] (clamped), linearly interpolated between stops. */
    static Color viridis(double t) {
        double x = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
        int i = Math.min(VIRIDIS.length - 2, (int) Math.floor(x));
        double f = x - i;
        Color a = new Color(VIRIDIS[i]);
        Color b = new Color(VIRIDIS[i + 1]);
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }
}
