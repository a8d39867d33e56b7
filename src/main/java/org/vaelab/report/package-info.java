/**
 * Static HTML reports of a sweep (or several) from the run store alone: a pure report model
 * ({@link org.vaelab.report.ReportModel}), pure chart builders on XChart for the sweep page
 * ({@link org.vaelab.report.SweepChartBuilder}) and the run pages ({@link org.vaelab.report.RunChartBuilder}) with
 * their shared look ({@link org.vaelab.report.ChartStyler}), an image-grid painter
 * ({@link org.vaelab.report.ImageGrids}), an HTML renderer that writes to an {@link java.lang.Appendable}
 * ({@link org.vaelab.report.HtmlRenderer}), and one writer that puts the files on disk ({@link org.vaelab.report.ReportWriter}). Reads results only through {@code org.vaelab.tracking}.
 */
package org.vaelab.report;
