package org.inceptionspark.driver.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Prints a command's machine-readable {@code RESULT k=v ...} line in one write, after flushing
 * everything before it. Spark logs to stderr from other threads; with both streams sent to one
 * file, a line printed piecewise through stdout's small buffer came out cut by a log line.
 */
public final class ResultLine {
    private ResultLine() {
    }

    public static void print(PrintStream out, String format, Object... args) {
        byte[] line = ("RESULT " + String.format(Locale.ROOT, format, args) + "\n").getBytes(StandardCharsets.UTF_8);
        out.flush();
        System.err.flush();
        out.write(line, 0, line.length);
        out.flush();
    }
}
