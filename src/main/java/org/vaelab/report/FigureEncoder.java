package org.vaelab.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Turns figures into bytes: charts into SVG markup fit for inlining in HTML, or PNG; images into PNG.
 * Writes to streams only; the files are the writer's business.
 */
final class FigureEncoder {
    /** PNG charts are drawn at twice their CSS size so that they stay sharp on high-density screens. */
    static final int PNG_SCALE = 2;
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d+");
    private static final Pattern ID = Pattern.compile("\\bid=\"([^\"]+)\"");

    private FigureEncoder() {
    }

    /**
     * The chart as an {@code <svg>} element for inlining: no XML prolog or doctype, ids prefixed with
     * {@code idPrefix} (several inline SVGs in one page must not share clip-path ids, or the browser clips one
     * chart with another's rectangle), coordinates rounded to 0.1 px (XChart writes glyph outlines with
     * 8+ decimals; rounding halves the markup with no visible change), sized by its viewBox.
     */
    static String svg(Chart<?, ?> chart, String idPrefix) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(chart, bo, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String s = bo.toString(StandardCharsets.UTF_8);
        int start = s.indexOf("<svg");
        if (start < 0) {
            throw new IllegalStateException("XChart produced no <svg> element");
        }
        s = s.substring(start);
        s = roundDecimals(s);
        Set<String> ids = new LinkedHashSet<>();
        Matcher m = ID.matcher(s);
        while (m.find()) {
            ids.add(m.group(1));
        }
        for (String id : ids) {
            String to = idPrefix + "-" + id;
            s = s.replace("id=\"" + id + "\"", "id=\"" + to + "\"")
                    .replace("url(#" + id + ")", "url(#" + to + ")")
                    .replace("href=\"#" + id + "\"", "href=\"#" + to + "\"");
        }
        // Fixed pixel sizes would overflow narrow screens; the viewBox keeps the aspect ratio.
        s = s.replaceFirst("height=\"[0-9.]+px\"", "height=\"" + chart.getHeight() + "\"")
                .replaceFirst("width=\"[0-9.]+px\"", "width=\"" + chart.getWidth() + "\"");
        return s.strip();
    }

    private static String roundDecimals(String s) {
        Matcher m = DECIMAL.matcher(s);
        StringBuilder out = new StringBuilder(s.length() / 2);
        while (m.find()) {
            m.appendReplacement(out, oneDecimal(Double.parseDouble(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * {@code v} as {@code String.format(Locale.ROOT, "%.1f", v)} writes it, less a trailing ".0" and the sign of
     * a zero, without the Formatter: both round the digits of {@link Double#toString} half up (the Formatter
     * looked up its locale's symbols and parsed its pattern once per number, a third of the time a run page
     * took to render; {@code FigureEncoderTest} checks the two agree).
     */
    static String oneDecimal(double v) {
        String r = new BigDecimal(Double.toString(v)).setScale(1, RoundingMode.HALF_UP).toPlainString();
        if (r.endsWith(".0")) {
            r = r.substring(0, r.length() - 2);
        }
        return r.equals("-0") ? "0" : r;
    }

    /** The chart drawn at {@link #PNG_SCALE} times its size. */
    static BufferedImage raster(Chart<?, ?> chart) {
        int w = chart.getWidth();
        int h = chart.getHeight();
        BufferedImage img = new BufferedImage(w * PNG_SCALE, h * PNG_SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.scale(PNG_SCALE, PNG_SCALE);
        chart.paint(g, w, h);
        g.dispose();
        return img;
    }

    /** Writes {@code img} as PNG. */
    static void png(BufferedImage img, OutputStream out) throws IOException {
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer available in this Java runtime");
        }
    }

    /** {@link #png(BufferedImage, OutputStream)} into a byte array. */
    static byte[] pngBytes(BufferedImage img) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try {
            png(img, bo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bo.toByteArray();
    }
}
