/**
 * The pack, eval and bench commands.
 */
package org.inceptionspark.driver.commands;
