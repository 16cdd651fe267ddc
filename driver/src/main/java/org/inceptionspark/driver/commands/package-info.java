/**
 * Every command of the CLI, one class each behind {@link org.inceptionspark.driver.commands.Command}:
 * config, models, pack, train, retrain, registry, eval, export, bench. A command parses its
 * arguments ({@code cli}), loads its configuration ({@code ConfigArgs}) and calls into
 * {@code train}, {@code eval}, {@code registry}, {@code checkpoint}, {@code data} and {@code bench};
 * bad input is thrown, and {@code Main} turns it into exit status 2.
 */
package org.inceptionspark.driver.commands;
