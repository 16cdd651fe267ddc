/**
 * The driver's update rule in small pieces: the flat parameter layout and its roles, TF's
 * RMSProp, momentum SGD, the learning-rate schedule, gradient clipping and the moving average,
 * each a formula over float arrays. Plain Java (DL4J only to read a graph's layout); no Spark.
 */
package org.inceptionspark.optim;
