package org.inceptionspark.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The peer's synchronisation time measured beside ours: an external script (the project keeps one
 * in {@code ../shared/peers/torch_allreduce.py}, torch.distributed's gloo ring all-reduce between N
 * processes on loopback) run as {@code PYTHON SCRIPT --replicas 2,4 --floats F}, which prints one
 * {@code RESULT n=N floats=F allreduce_ms=MS} line per replica count. Nothing of the script is part
 * of this project: {@code bench sync --peer SCRIPT} only runs it and reads those lines.
 */
public final class PeerAllReduce {
    private static final Pattern RESULT = Pattern.compile("^RESULT n=(\\d+) floats=(\\d+) allreduce_ms=(\\d+(?:\\.\\d+)?)");

    private final Path script;
    private final String python;

    /**
     * @param python the interpreter, or null: the one the script's {@code #!} line names (Debian's
     *               torch is installed for {@code /usr/bin/python3}, which another python3 earlier on
     *               the PATH does not see), else {@code python3}
     */
    public PeerAllReduce(Path script, String python) {
        this.script = script;
        this.python = python != null ? python : shebangInterpreter(script).orElse("python3");
    }

    /** The interpreter of a {@code #!/path/python3} or {@code #!/usr/bin/env python3} line. */
    static Optional<String> shebangInterpreter(Path script) {
        try (BufferedReader r = Files.newBufferedReader(script, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null || !first.startsWith("#!")) {
                return Optional.empty();
            }
            String[] words = first.substring(2).trim().split("\\s+");
            if (words[0].endsWith("/env") && words.length > 1) {
                return Optional.of(words[1]);
            }
            return words[0].isEmpty() ? Optional.empty() : Optional.of(words[0]);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Why the peer cannot run here (no script, or {@code python -c 'import torch'} fails), or empty. */
    public Optional<String> unavailable() {
        if (!Files.isRegularFile(script)) {
            return Optional.of("peer script " + script + " does not exist");
        }
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(python + " -c 'import torch' did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                String last = out.lines().reduce((a, b) -> b).orElse("exit " + p.exitValue());
                return Optional.of(python + " cannot import torch (" + last + ")");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot run " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking for torch");
        }
    }

    /**
     * Runs the script for {@code floats} floats and each replica count; returns the median
     * all-reduce milliseconds per replica count. The script's own lines are echoed, indented.
     */
    public TreeMap<Integer, Double> run(long floats, int[] replicaCounts, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--replicas",
                Arrays.stream(replicaCounts).mapToObj(String::valueOf).collect(Collectors.joining(",")),
                "--floats", String.valueOf(floats)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        TreeMap<Integer, Double> ms = new TreeMap<>();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                Matcher m = RESULT.matcher(line);
                if (m.find()) {
                    System.out.println("  peer: " + line);
                    ms.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(3)));
                }
            }
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("peer " + String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0 || ms.size() != replicaCounts.length) {
            List<String> tail = lines.subList(Math.max(0, lines.size() - 10), lines.size());
            throw new IOException("peer " + String.join(" ", cmd) + " exited " + p.exitValue() + " with "
                    + ms.size() + " RESULT line(s) of " + replicaCounts.length + "; its last lines:\n  "
                    + String.join("\n  ", tail));
        }
        return ms;
    }

    @Override
    public String toString() {
        return python + " " + script;
    }
}
