package org.inceptionspark.driver;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.inceptionspark.config.InvalidConfigException;
import org.inceptionspark.driver.commands.Command;
import org.inceptionspark.driver.commands.ConfigCommand;
import org.inceptionspark.driver.commands.EvalCommand;
import org.inceptionspark.driver.commands.ExportCommand;
import org.inceptionspark.driver.commands.ModelsCommand;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.commands.RegistryCommand;
import org.inceptionspark.driver.commands.RetrainCommand;
import org.inceptionspark.driver.commands.TrainCommand;

/**
 * Entry point of bin/inception-spark and of spark-submit: dispatches to one command, and is the one
 * place where bad input becomes exit status 2 with a message naming the command.
 */
public final class Main {

    private static Map<String, Command> commands() {
        Map<String, Command> c = new LinkedHashMap<>();
        c.put("config", new ConfigCommand());
        c.put("models", new ModelsCommand());
        c.put("train", new TrainCommand());
        c.put("retrain", new RetrainCommand());
        c.put("registry", new RegistryCommand());
        c.put("export", new ExportCommand());
        c.put("pack", new PackCommand());
        c.put("eval", new EvalCommand());
        return c;
    }

    public static void main(String[] args) throws Exception {
        int rc = run(args);
        if (rc == 0 && inYarnApplicationMaster()) {
            // YARN's ApplicationMaster reports success only when main returns: an exit, even exit(0),
            // is reported as a failure ("shutdown hook called before final status was reported")
            // and retried as one (TrainOnYarnIT).
            return;
        }
        System.exit(rc);
    }

    /** Whether this is a cluster-mode driver on YARN, where the ApplicationMaster runs main in a thread of its own. */
    static boolean inYarnApplicationMaster() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    public static int run(String[] args) throws Exception {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || !commands.containsKey(args[0])) {
            System.err.println("usage: inception-spark <command> [options]");
            System.err.println("commands: " + String.join(", ", commands.keySet())
                    + " (benchmarks and the step-time plan: bin/inception-spark bench | plan, from the bench module)");
            return args.length == 0 || args[0].startsWith("-") ? 0 : Command.EXIT_BAD_INPUT;
        }
        return run(args[0], commands.get(args[0]), Arrays.copyOfRange(args, 1, args.length), System.err);
    }

    /**
     * Runs one command, turning bad input into its message on {@code err} and
     * {@link Command#EXIT_BAD_INPUT}.
     */
    public static int run(String name, Command command, String[] args, java.io.PrintStream err) throws Exception {
        try {
            return command.run(args);
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            return Command.EXIT_BAD_INPUT;
        } catch (IllegalArgumentException e) {
            err.println(name + ": " + e.getMessage());
            return Command.EXIT_BAD_INPUT;
        }
    }

    private Main() {
    }
}
