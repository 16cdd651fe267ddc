/**
 * One training step without Spark: which images each replica trains on (the epoch plan), a
 * replica and its gradient message, the pairwise sum that fixes the order of float additions, and
 * the parameter server's state and update, so that a Spark run and the single-process reference
 * compute the same bits. May use {@code optim}, {@code model}, {@code runtime}, {@code image} and
 * DL4J.
 */
package org.inceptionspark.train;
