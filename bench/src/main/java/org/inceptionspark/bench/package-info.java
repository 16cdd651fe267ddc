/**
 * Benchmarks behind {@code bench}: replica compute, batch norm, synchronisation (against DL4J's
 * parameter averaging), input decoding; each prints a RESULT line. Never used by training.
 */
package org.inceptionspark.bench;
