package org.inceptionspark.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The driver JVM's I/O counters from {@code /proc/self/io}: {@code rchar}/{@code wchar} count the
 * bytes passed to read/write-family system calls, which is how Java NIO (and so Spark's Netty
 * transport) reads and writes sockets. Around a step, their deltas are the driver's traffic plus
 * any file I/O it did (logs, class loading), which a no-op job of the same shape bounds.
 */
record DriverIo(long read, long written) {
    private static final Path PROC = Path.of("/proc/self/io");

    static boolean available() {
        return Files.isReadable(PROC);
    }

    static DriverIo now() {
        if (!available()) {
            return new DriverIo(0, 0);
        }
        try {
            long r = 0;
            long w = 0;
            for (String line : Files.readAllLines(PROC)) {
                if (line.startsWith("rchar:")) {
                    r = Long.parseLong(line.substring(6).trim());
                } else if (line.startsWith("wchar:")) {
                    w = Long.parseLong(line.substring(6).trim());
                }
            }
            return new DriverIo(r, w);
        } catch (IOException e) {
            return new DriverIo(0, 0);
        }
    }

    DriverIo minus(DriverIo before) {
        return new DriverIo(read - before.read, written - before.written);
    }
}
