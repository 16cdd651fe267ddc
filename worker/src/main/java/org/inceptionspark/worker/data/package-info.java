/**
 * Packed datasets (manifest, index, shards) on a Hadoop filesystem: writing shards, reading a
 * replica's images, and decoding and augmenting them ahead of the step that needs them.
 */
package org.inceptionspark.worker.data;
