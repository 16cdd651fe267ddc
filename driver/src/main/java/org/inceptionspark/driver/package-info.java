/**
 * The command-line entry point (Main) and the commands that configure, train and export, with
 * the Spark context and settings they share. The driver module owns the step loop, the CLI and
 * the orchestration; it may use {@code worker} and {@code common}.
 */
package org.inceptionspark.driver;
