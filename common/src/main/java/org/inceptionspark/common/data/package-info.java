/**
 * Images from bytes to network input, and the epoch's order: decoding and inspection, the
 * recipe's random crop, flip and colour distortion, evaluation crops, and the deterministic
 * per-epoch image plan. Plain Java and ND4J-free; may use only the JDK and {@code config}.
 */
package org.inceptionspark.common.data;
