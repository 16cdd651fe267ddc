/**
 * Checkpoints of the driver's state on any Hadoop filesystem: written to a temporary name and
 * renamed, read back with their sizes checked, and turned into DL4J models for eval and export.
 */
package org.inceptionspark.driver.checkpoint;
