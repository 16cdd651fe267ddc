/**
 * What runs in the executors during a step: a replica's task (its cached model, its shard, its
 * gradient message cut into slices), the slice sums of the reduce tasks, the threads a task
 * computes on, and Kryo's registrations. May use {@code common} and Spark's task APIs.
 */
package org.inceptionspark.worker;
