package org.inceptionspark.driver;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of bin/inception-spark and of spark-submit: dispatches to one command. */
public final class Main {

    /** One sub-command of the CLI. Returns the process exit code. */
    public interface Command {
        int run(String[] args) throws Exception;
    }

    private static Map<String, Command> commands() {
        Map<String, Command> c = new LinkedHashMap<>();
        c.put("config", new ConfigCommand());
        c.put("bench", Main::bench);
        return c;
    }

    /** {@code bench <target>}: replica (one training step against the CPU's GEMM peak). */
    private static int bench(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("replica")) {
            return new org.inceptionspark.driver.bench.ReplicaBench().run(Arrays.copyOfRange(args, 1, args.length));
        }
        System.err.println("usage: inception-spark bench replica [options]");
        return 2;
    }

    public static void main(String[] args) throws Exception {
        org.inceptionspark.runtime.NativeRuntime.configure();
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || !commands.containsKey(args[0])) {
            System.err.println("usage: inception-spark <command> [options]");
            System.err.println("commands: " + String.join(", ", commands.keySet()));
            return args.length == 0 || args[0].startsWith("-") ? 0 : 2;
        }
        return commands.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length));
    }

    private Main() {
    }
}
