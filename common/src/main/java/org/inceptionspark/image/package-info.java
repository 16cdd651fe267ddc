/**
 * Images from bytes to network input: decoding within limits and inspection, the recipe's random
 * crop (or VGG's training scale), flip and colour distortion, evaluation crops, and the seeded
 * random stream they draw from. Plain Java and ND4J-free; may use only the JDK and {@code config}.
 */
package org.inceptionspark.image;
