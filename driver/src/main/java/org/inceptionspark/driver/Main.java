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
        c.put("models", new ModelsCommand());
        c.put("train", new TrainCommand());
        c.put("retrain", new org.inceptionspark.driver.registry.RetrainCommand());
        c.put("registry", new org.inceptionspark.driver.registry.RegistryCommand());
        c.put("export", new ExportCommand());
        c.put("pack", new org.inceptionspark.driver.commands.PackCommand());
        c.put("eval", new org.inceptionspark.driver.commands.EvalCommand());
        c.put("bench", new org.inceptionspark.driver.commands.BenchCommand());
        c.put("plan", new org.inceptionspark.driver.plan.PlanCommand());
        return c;
    }

    public static void main(String[] args) throws Exception {
        // DL4J reads its layer-helper switch when layers are built: set it before anything else.
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
