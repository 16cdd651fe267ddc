/**
 * Evaluation on the executors: top-1/top-5 error of a model (and of ensembles and multi-crop)
 * over a validation set, combined in a fixed order on the driver.
 */
package org.inceptionspark.driver.eval;
