package org.inceptionspark.image;

import java.io.Serializable;

/**
 * How large an image may be decoded (configuration {@code data.max-pixels}, {@code data.max-side}),
 * checked against the image's header before any pixel buffer is allocated: at pack time
 * ({@link ImageInspector}) and again at training and evaluation time ({@link ImageDecoder}), since a
 * packed dataset may come from elsewhere.
 *
 * @param maxPixels width x height at most this
 * @param maxSide   width and height each at most this
 */
public record DecodeLimits(long maxPixels, int maxSide) implements Serializable {
    /**
     * The configuration's upper bound on {@code data.max-pixels}: a decode holds the decoder's
     * image (up to 8 bytes a pixel for 16-bit RGBA) and its 3-byte RGB copy, on each decode thread;
     * 250M pixels is already 0.75 GB for the copy alone, and the copy is a Java array indexed by int.
     */
    public static final long MAX_PIXELS_CEILING = 250_000_000L;
    /** The configuration's upper bound on {@code data.max-side}: JPEG's largest side. */
    public static final int MAX_SIDE_CEILING = 65_535;
    /** The most any configuration allows: what decoding checks when no configuration is at hand. */
    public static final DecodeLimits CEILING = new DecodeLimits(MAX_PIXELS_CEILING, MAX_SIDE_CEILING);

    public DecodeLimits {
        if (maxPixels < 1 || maxPixels > MAX_PIXELS_CEILING || maxSide < 1 || maxSide > MAX_SIDE_CEILING) {
            throw new IllegalArgumentException("decode limits " + maxPixels + " pixels, side " + maxSide
                    + " outside [1, " + MAX_PIXELS_CEILING + "] and [1, " + MAX_SIDE_CEILING + "]");
        }
    }

    /** Why a {@code width x height} image may not be decoded, or null when it may. */
    public String exceeded(int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height > maxPixels || width > maxSide || height > maxSide) {
            return "image dimensions " + width + "x" + height + " exceed the limit (max " + maxPixels + " pixels, max side "
                    + maxSide + ")";
        }
        return null;
    }

    /**
     * The error for running out of memory while decoding {@code what}: still an OutOfMemoryError,
     * so that it fails the task (and Spark reports it) instead of passing for one bad image.
     */
    public static OutOfMemoryError outOfMemory(String what, OutOfMemoryError cause) {
        OutOfMemoryError e = new OutOfMemoryError("out of memory decoding " + what
                + " (give the JVM more heap, lower data.decode-threads or data.max-pixels): " + cause.getMessage());
        e.initCause(cause);
        return e;
    }
}
