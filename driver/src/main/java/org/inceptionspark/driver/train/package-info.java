/**
 * The synchronous step loop: each step as one Spark job (replica tasks, then reduce tasks that
 * sum gradient slices in pairwise order), the driver's update, progress lines, metrics,
 * validation and checkpoints, and the run's life from start to resume.
 */
package org.inceptionspark.driver.train;
