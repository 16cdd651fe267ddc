/**
 * Command-line parsing shared by the commands: options, configuration overrides and the RESULT
 * line benchmarks print. No Spark.
 */
package org.inceptionspark.driver.cli;
