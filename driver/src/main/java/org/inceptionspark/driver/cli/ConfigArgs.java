package org.inceptionspark.driver.cli;

import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.LoadedConfig;

import java.nio.file.Path;

/**
 * The one way commands go from their command line to a validated configuration, so every command
 * layers {@code --config FILE} and {@code -Dkey=value} the same way and reports a bad configuration
 * the same way: an invalid one is thrown, with every error, to {@code Main}, which prints it and
 * exits with status 2.
 */
public final class ConfigArgs {
    /** The valued option naming the configuration file: {@code --config FILE}. */
    public static final String OPTION = "config";

    private ConfigArgs() {
    }

    /**
     * Loads reference.conf &lt; {@code --config FILE} &lt; {@code -D} overrides.
     *
     * @throws InvalidConfigException listing every error
     */
    public static LoadedConfig load(CliArgs args) {
        return ConfigLoader.load(args.option(OPTION).map(Path::of).orElse(null), args.overrides());
    }
}
