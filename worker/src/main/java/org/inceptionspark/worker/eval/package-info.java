/**
 * The executors' side of evaluation: a model snapshot per JVM and its multi-crop scores.
 */
package org.inceptionspark.worker.eval;
