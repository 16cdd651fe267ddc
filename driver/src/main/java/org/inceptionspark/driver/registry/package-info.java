/**
 * The model registry on a Hadoop filesystem (immutable versions, an atomic current, a lock) and
 * the commands around it: retraining with a warm start and a gate, listing, showing, rolling back.
 */
package org.inceptionspark.driver.registry;
