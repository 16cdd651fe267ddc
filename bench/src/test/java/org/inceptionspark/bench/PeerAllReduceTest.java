package org.inceptionspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inceptionspark.driver.CapturedStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bench sync --peer`: the peer's all-reduce run in the same benchmark, where Debian's python3-torch
 * and the project's shared peer script ({@code ../shared/peers/torch_allreduce.py}) are there.
 */
class PeerAllReduceTest {
    private static final Pattern RESULT = Pattern.compile(
            "(?m)^RESULT overhead_ms=(\\d+) .* peer_allreduce_ms=(\\d+) ours_over_peer=(\\d+\\.\\d\\d)$");

    /** The shared folder beside the repository, from the module's or the repository's directory. */
    static Optional<Path> peerScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path script = d.resolve("shared/peers/torch_allreduce.py");
            if (Files.isRegularFile(script)) {
                return Optional.of(script);
            }
        }
        return Optional.empty();
    }

    @Test
    void benchSyncPrintsThePeersTimeAndOurRatio() throws Exception {
        Optional<Path> script = peerScript();
        assumeTrue(script.isPresent(), "no shared/peers/torch_allreduce.py above " + Path.of("").toAbsolutePath());
        Optional<String> why = new PeerAllReduce(script.get(), null).unavailable();
        assumeTrue(why.isEmpty(), () -> "peer cannot run here: " + why.orElse(""));
        CapturedStdout c = CapturedStdout.of(() -> new SyncBench().run(new String[] {"--master", "local[2]",
                "--replicas", "2", "--steps", "1", "--warmup", "0", "--batch", "1", "--width", "0.1", "--classes", "5",
                "--no-dl4j", "--peer", script.get().toString()}));
        assertEquals(0, c.rc());
        Matcher m = RESULT.matcher(c.out());
        assertTrue(m.find(), "RESULT line with the peer's fields in:\n" + c.out());
        double ratio = Double.parseDouble(m.group(1)) / Double.parseDouble(m.group(2));
        assertEquals(ratio, Double.parseDouble(m.group(3)), 0.01 + 0.01 * ratio, "ours_over_peer = overhead / peer");
        assertTrue(c.out().contains("peer: RESULT n=2 floats="), c.out());
    }

    @Test
    void aPeerThatCannotRunIsNamedNotFatal(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("peer.py");
        Files.writeString(script, "#!/usr/bin/env python3-that-is-not-installed\nprint('RESULT n=2 floats=1 allreduce_ms=1')\n");
        assertEquals(Optional.of("python3-that-is-not-installed"), PeerAllReduce.shebangInterpreter(script));
        Optional<String> why = new PeerAllReduce(script, null).unavailable();
        assertTrue(why.isPresent() && why.get().contains("python3-that-is-not-installed"), why.toString());
        Optional<String> missing = new PeerAllReduce(dir.resolve("absent.py"), "python3").unavailable();
        assertTrue(missing.isPresent() && missing.get().contains("absent.py"), missing.toString());
    }
}
