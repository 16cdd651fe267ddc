/**
 * Live training figures in Spark's metrics system: the step loop's gauges and the Spark plugin
 * that registers them on the driver and the replicas' figures on the executors.
 */
package org.inceptionspark.driver.metrics;
