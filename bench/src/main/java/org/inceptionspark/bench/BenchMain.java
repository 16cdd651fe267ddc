package org.inceptionspark.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.inceptionspark.driver.Main;
import org.inceptionspark.driver.commands.Command;

/**
 * Entry point of the benchmark tools ({@code bin/inception-spark bench ...}) and of the step-time
 * plan ({@code plan}, which calibrates itself with {@code bench sync}): they live apart from the
 * product, whose jar holds neither them nor the DL4J-Spark baseline they compare with.
 */
public final class BenchMain {
    private BenchMain() {
    }

    private static Map<String, Command> commands() {
        Map<String, Command> c = new LinkedHashMap<>();
        c.put("bench", new BenchCommand());
        c.put("plan", new PlanCommand());
        return c;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        Map<String, Command> commands = commands();
        if (args.length == 0 || !commands.containsKey(args[0])) {
            System.err.println("usage: inception-spark " + String.join(" | ", commands.keySet()) + " [options]");
            return Command.EXIT_BAD_INPUT;
        }
        return Main.run(args[0], commands.get(args[0]), Arrays.copyOfRange(args, 1, args.length), System.err);
    }
}
