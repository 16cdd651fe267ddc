package org.inceptionspark.image;

/**
 * Verdict of the pack-time check on one file. An accepted file may carry a {@code conversion}:
 * grayscale, 16-bit, palette and alpha images are kept and become 8-bit RGB at decode time.
 */
public record Inspection(boolean accepted, String reason, String conversion, int width, int height) {
    public static Inspection skip(String reason) {
        return new Inspection(false, reason, null, 0, 0);
    }

    public static Inspection accept(int width, int height, String conversion) {
        return new Inspection(true, null, conversion, width, height);
    }
}
