package org.vaelab.report;

import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * One chart or picture of a page, not yet encoded: an XChart chart (drawn as inline SVG when {@code vector},
 * else as PNG) or an image painted by {@link ImageGrids} (always PNG).
 *
 * @param id      file-name-safe id, unique within its page
 * @param title   heading shown above it
 * @param caption how to read it, or null
 * @param chart   the chart, or null for an image
 * @param image   the image, or null for a chart
 * @param vector  draw the chart as SVG (few marks) rather than PNG (thousands of points)
 */
public record Figure(String id, String title, String caption, Chart<?, ?> chart, BufferedImage image,
                     boolean vector) {
    public Figure {
        if ((chart == null) == (image == null)) {
            throw new IllegalArgumentException("figure " + id + ": exactly one of chart and image");
        }
        if (!id.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("figure id '" + id + "' is not file-name safe");
        }
    }

    static Figure svg(String id, String title, String caption, Chart<?, ?> chart) {
        ChartStyler.fitLegend(chart);
        ChartStyler.tidyTicks(chart);
        return new Figure(id, title, caption, chart, null, true);
    }

    static Figure png(String id, String title, String caption, Chart<?, ?> chart) {
        ChartStyler.fitLegend(chart);
        ChartStyler.tidyTicks(chart);
        return new Figure(id, title, caption, chart, null, false);
    }

    static Figure image(String id, String title, String caption, BufferedImage image) {
        return new Figure(id, title, caption, null, image, false);
    }

    /** Adds {@code f} unless it is null (a chart that does not apply to the data). */
    static void addIfPresent(List<Figure> out, Figure f) {
        if (f != null) {
            out.add(f);
        }
    }

    /** Adds a group of {@code figures} unless there are none: a page shows no empty section. */
    static void addGroup(List<Group> out, String id, String title, String intro, List<Figure> figures, int columns) {
        if (!figures.isEmpty()) {
            out.add(new Group(id, title, intro, figures, columns));
        }
    }

    /**
     * A titled group of figures on a page.
     *
     * @param id      anchor id
     * @param title   section heading
     * @param intro   one or two sentences on what the section answers, or null
     * @param figures its figures, in reading order
     * @param columns figures per row: 1 for big pictures at their own size, 2 to 4 for small multiples that must
     *                line up, 0 for as many as fit
     */
    public record Group(String id, String title, String intro, List<Figure> figures, int columns) {
        public Group {
            figures = List.copyOf(figures);
            if (columns < 0 || columns > 4) {
                throw new IllegalArgumentException("group " + id + ": columns must be 0..4, got " + columns);
            }
        }
    }
}
