/**
 * Packing image folders into sharded datasets on a Hadoop filesystem with Spark, and the checks
 * on a dataset before training starts.
 */
package org.inceptionspark.driver.data;
