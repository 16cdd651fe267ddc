/**
 * What an executor's replicas did last (compute time, decode rate), for the metrics plugin's
 * executor side.
 */
package org.inceptionspark.worker.metrics;
