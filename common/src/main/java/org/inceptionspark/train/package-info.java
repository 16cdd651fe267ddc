/**
 * One training step without Spark: a replica's gradient message, the pairwise sum that fixes
 * the order of float additions, and the parameter server's state and update, so that a Spark
 * run and the single-process reference compute the same bits. May use {@code optim},
 * {@code model}, {@code runtime} and DL4J.
 */
package org.inceptionspark.train;
