/**
 * The command-line entry point ({@code Main}: dispatch, and bad input to exit status 2 in one
 * place) with the Spark context, settings and run log the commands share. The driver module owns
 * the step loop, the CLI and the orchestration; it may use {@code worker} and {@code common}.
 */
package org.inceptionspark.driver;
