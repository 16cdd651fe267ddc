package org.inceptionspark.driver;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** A command's exit code and what it printed to stdout, which is also echoed to the test's log. */
public record CapturedStdout(int rc, String out) {

    public static CapturedStdout of(Callable<Integer> command) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int rc;
        try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            rc = command.call();
        } finally {
            System.setOut(original);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        original.print(out);
        return new CapturedStdout(rc, out);
    }
}
