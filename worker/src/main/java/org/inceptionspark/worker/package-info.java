/**
 * What runs in the executors during a step: a replica's task (its cached model, its shard, its
 * gradient message), the step's exchange ({@code StepExchange}: weights out, slices summed in a
 * reduce-scatter, gathered on the driver), the threads a task computes on, and Kryo's
 * registrations. May use {@code common} and Spark's task APIs.
 */
package org.inceptionspark.worker;
