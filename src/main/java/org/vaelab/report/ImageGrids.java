package org.vaelab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.util.List;
import java.util.Locale;

/**
 * Pictures XChart does not draw well, painted with Java2D into images (pure: values in, image out): tiles of
 * model outputs with row and column labels, and heat maps with a colour bar. XChart's own HeatMapChart writes
 * unformatted doubles in a legend as wide as the plot, which is why the heat maps are painted here.
 */
final class ImageGrids {
    static final Font LABEL = new Font("DejaVu Sans", Font.PLAIN, 13);
    static final Font SMALL = new Font("DejaVu Sans", Font.PLAIN, 11);
    private static final Color TEXT = new Color(0x33, 0x33, 0x33);
    private static final Color MISSING = new Color(0xee, 0xee, 0xee);
    private static final int GAP = 2;
    private static final int PAD = 6;

    private ImageGrids() {
    }

    /**
     * Grey images (0 black .. 255 white) tiled {@code perRow} to a row, each pixel drawn as a
     * {@code scale x scale} block.
     *
     * @param rowLabels one label per tile row (left of it), or null
     * @param colLabels one label per tile column (above it), or null
     */
    static BufferedImage tiles(List<int[]> images, int rows, int cols, int perRow, int scale, List<String> rowLabels,
                               List<String> colLabels) {
        int n = images.size();
        int tileRows = Math.max(1, (n + perRow - 1) / perRow);
        int tw = cols * scale;
        int th = rows * scale;
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        FontMetrics fm = probe.getFontMetrics(LABEL);
        int left = 0;
        if (rowLabels != null) {
            for (String s : rowLabels) {
                left = Math.max(left, fm.stringWidth(s == null ? "" : s));
            }
            left += 2 * PAD;
        }
        int top = colLabels != null ? fm.getHeight() + PAD : 0;
        probe.dispose();
        int width = left + perRow * (tw + GAP) - GAP + 2 * GAP;
        int height = top + tileRows * (th + GAP) - GAP + 2 * GAP;
        // Grey images and dark text: one byte per pixel makes the PNG a third of an RGB one.
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = start(out);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        for (int i = 0; i < n; i++) {
            int x = left + GAP + (i % perRow) * (tw + GAP);
            int y = top + GAP + (i / perRow) * (th + GAP);
            g.drawImage(grey(images.get(i), rows, cols), x, y, tw, th, null);
        }
        g.setFont(LABEL);
        g.setColor(TEXT);
        if (rowLabels != null) {
            for (int r = 0; r < Math.min(tileRows, rowLabels.size()); r++) {
                String s = rowLabels.get(r) == null ? "" : rowLabels.get(r);
                int y = top + GAP + r * (th + GAP) + th / 2 + fm.getAscent() / 2 - 1;
                g.drawString(s, left - PAD - fm.stringWidth(s), y);
            }
        }
        if (colLabels != null) {
            for (int c = 0; c < Math.min(perRow, colLabels.size()); c++) {
                String s = colLabels.get(c) == null ? "" : colLabels.get(c);
                int x = left + GAP + c * (tw + GAP) + (tw - fm.stringWidth(s)) / 2;
                g.drawString(s, x, fm.getAscent() + 1);
            }
        }
        g.dispose();
        return out;
    }

    private static BufferedImage grey(int[] pixels, int rows, int cols) {
        BufferedImage im = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = im.getRaster();
        r.setPixels(0, 0, cols, rows, pixels);
        return im;
    }

    /**
     * A heat map of {@code values[row][col]} (NaN cells grey, cells past a row's end white) on a log10 colour
     * scale from {@code floor} up, with a viridis colour bar.
     *
     * @param rowLabels  one label per row
     * @param marks      per row, a column index before which a red boundary is drawn (e.g. the active units), or
     *                   -1; null for none
     * @param xTitle     title under the columns
     * @param scaleTitle title of the colour bar
     * @param floor      smallest value shown distinctly (smaller values get the lowest colour)
     */
    static BufferedImage heatMap(List<String> rowLabels, double[][] values, int[] marks, String xTitle,
                                 String scaleTitle, double floor, int cellW, int cellH) {
        int nRows = values.length;
        int nCols = 0;
        double max = floor;
        for (double[] row : values) {
            nCols = Math.max(nCols, row.length);
            for (double v : row) {
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        nCols = Math.max(1, nCols);
        double lo = Math.log10(floor);
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(max) * 4) / 4);
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        FontMetrics fm = probe.getFontMetrics(SMALL);
        int left = 0;
        for (String s : rowLabels) {
            left = Math.max(left, fm.stringWidth(ellipsis(s)));
        }
        left += 2 * PAD;
        probe.dispose();
        // The colour bar's title sits above it, horizontally: rotated text would need a taller bar than a
        // two-row heat map has.
        int top = PAD + fm.getHeight() + 4;
        int plotW = nCols * cellW;
        int plotH = nRows * cellH;
        int barX = left + plotW + 24;
        int barW = 14;
        int width = Math.max(barX + barW + 8 + fm.stringWidth("1e-3"), barX + fm.stringWidth(scaleTitle)) + PAD;
        int height = top + Math.max(plotH, 120) + 2 * fm.getHeight() + 3 * PAD;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(out);
        for (int r = 0; r < nRows; r++) {
            for (int c = 0; c < nCols; c++) {
                Color col;
                if (c >= values[r].length) {
                    col = Color.WHITE;
                } else if (!Double.isFinite(values[r][c])) {
                    col = MISSING;
                } else {
                    double t = (Math.log10(Math.max(floor, values[r][c])) - lo) / (hi - lo);
                    col = Palette.viridis(t);
                }
                g.setColor(col);
                g.fillRect(left + c * cellW, top + r * cellH, cellW, cellH);
            }
        }
        g.setColor(new Color(0xbbbbbb));
        g.drawRect(left, top, plotW, plotH);
        if (marks != null) {
            g.setColor(new Color(0xd62728));
            g.setStroke(new BasicStroke(2f));
            for (int r = 0; r < nRows && r < marks.length; r++) {
                if (marks[r] >= 0) {
                    int x = left + marks[r] * cellW;
                    g.drawLine(x, top + r * cellH + 1, x, top + (r + 1) * cellH - 1);
                }
            }
            g.setStroke(new BasicStroke(1f));
        }
        g.setFont(SMALL);
        g.setColor(TEXT);
        for (int r = 0; r < nRows; r++) {
            String s = ellipsis(rowLabels.get(r));
            g.drawString(s, left - PAD - fm.stringWidth(s), top + r * cellH + (cellH + fm.getAscent()) / 2 - 2);
        }
        int step = niceStep(Math.max(1, (int) Math.ceil(28.0 / cellW)));
        int yTicks = top + plotH + fm.getAscent() + 3;
        for (int c = 0; c < nCols; c++) {
            if (c == 0 || (c + 1) % step == 0) {
                String s = Integer.toString(c + 1);
                g.drawString(s, left + c * cellW + (cellW - fm.stringWidth(s)) / 2, yTicks);
            }
        }
        g.drawString(xTitle, left + (plotW - fm.stringWidth(xTitle)) / 2, yTicks + fm.getHeight() + 2);
        int barH = Math.max(plotH, 120);
        for (int y = 0; y < barH; y++) {
            g.setColor(Palette.viridis(1 - y / (double) (barH - 1)));
            g.fillRect(barX, top + y, barW, 1);
        }
        g.setColor(TEXT);
        for (double d = Math.ceil(lo); d <= hi + 1e-9; d += 1) {
            int y = top + (int) Math.round((1 - (d - lo) / (hi - lo)) * (barH - 1));
            g.drawLine(barX + barW, y, barX + barW + 3, y);
            String s = d == 0 ? "1" : d == 1 ? "10" : d == -1 ? "0.1" : "1e" + (int) d;
            g.drawString(s, barX + barW + 6, y + fm.getAscent() / 2 - 1);
        }
        g.drawString(scaleTitle, barX, PAD + fm.getAscent());
        g.dispose();
        return out;
    }

    static int niceStep(int atLeast) {
        for (int s : new int[] {1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100, 128, 256, 512}) {
            if (s >= atLeast) {
                return s;
            }
        }
        return atLeast;
    }

    private static String ellipsis(String s) {
        String t = s == null ? "" : s;
        return t.length() > 44 ? t.substring(0, 43) + "…" : t;
    }

    private static Graphics2D start(BufferedImage out) {
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        return g;
    }

    /** A latent value for a label: -3, -2.25, 0, +1.5. */
    static String signed(double v) {
        String s = Values.format(Math.round(v * 100) / 100.0);
        return v > 0 ? "+" + s : s.replace('-', '−');
    }

    static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
