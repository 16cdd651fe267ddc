/**
 * A Spark standalone cluster of separate JVMs on loopback (master and workers), for the
 * benchmarks and the tests that need real executors.
 */
package org.inceptionspark.driver.cluster;
