package org.inceptionspark.driver.commands;

/**
 * One sub-command of the CLI. Bad input (an unknown option, a missing argument, a configuration
 * that does not validate) is thrown as {@link IllegalArgumentException} or
 * {@link org.inceptionspark.config.InvalidConfigException}; {@link org.inceptionspark.driver.Main}
 * prints it with the command's name and exits with {@link #EXIT_BAD_INPUT}.
 */
public interface Command {
    /** Exit status for bad input: arguments, configuration or data named by them. */
    int EXIT_BAD_INPUT = 2;

    /** Runs the command; returns the process exit code. */
    int run(String[] args) throws Exception;
}
