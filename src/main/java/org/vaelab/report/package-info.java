/**
 * Static HTML reports of a sweep (or several) from the run store alone: a pure report model
 * ({@link org.vaelab.report.ReportModel}), a pure chart factory on XChart ({@link org.vaelab.report.ChartFactory})
 * and image-grid painter ({@link org.vaelab.report.ImageGrids}), an HTML renderer that writes to an
 * {@link java.lang.Appendable} ({@link org.vaelab.report.HtmlRenderer}), and one writer that puts the files on
 * disk ({@link org.vaelab.report.ReportWriter}). Reads results only through {@code org.vaelab.tracking}.
 */
package org.vaelab.report;
