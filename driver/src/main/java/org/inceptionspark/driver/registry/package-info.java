/**
 * The model registry on a Hadoop filesystem (immutable versions, an atomic current, a lock) and
 * the warm start of a retraining from its current version; the retrain and registry commands are
 * in {@code commands}.
 */
package org.inceptionspark.driver.registry;
