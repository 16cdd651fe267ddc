package org.inceptionspark.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResultLineTest {
    @Test
    void printsOneCompleteLineAfterWhatCameBefore() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);
        out.print("progress without a newline yet");
        ResultLine.print(out, "overhead_ms=%.0f ratio=%.3f", 1234.4, 0.9251);
        assertEquals("progress without a newline yetRESULT overhead_ms=1234 ratio=0.925\n",
                bytes.toString(StandardCharsets.UTF_8));
    }
}
