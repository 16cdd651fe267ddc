package org.inceptionspark.driver.cli;

import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.InvalidConfigException;
import org.inceptionspark.config.LoadedConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one way commands go from their command line to a validated configuration, so every command
 * layers {@code --config FILE} and {@code -Dkey=value} the same way and reports a bad configuration
 * the same way. Usage, in a command that lists {@link #OPTION} among its valued options:
 * <pre>{@code
 * Optional<LoadedConfig> cfg = ConfigArgs.load(args, System.err);
 * if (cfg.isEmpty()) return ConfigArgs.EXIT_INVALID_CONFIG;
 * }</pre>
 */
public final class ConfigArgs {
    /** The valued option naming the configuration file: {@code --config FILE}. */
    public static final String OPTION = "config";
    /** Exit status of a command refused for an invalid configuration (or command line). */
    public static final int EXIT_INVALID_CONFIG = 2;

    private ConfigArgs() {
    }

    /**
     * Loads reference.conf &lt; {@code --config FILE} &lt; {@code -D} overrides.
     *
     * @return empty when the configuration is invalid, after writing every error to {@code err}
     */
    public static Optional<LoadedConfig> load(CliArgs args, PrintStream err) {
        Path file = args.option(OPTION).map(Path::of).orElse(null);
        try {
            return Optional.of(ConfigLoader.load(file, args.overrides()));
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            return Optional.empty();
        }
    }
}
