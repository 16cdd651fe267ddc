package org.inceptionspark.image;

/** A decoded image: 8-bit RGB, interleaved, row-major. Grayscale sources arrive here as R=G=B. */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    public RgbImage(int width, int height, byte[] rgb) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes, got " + rgb.length);
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Interleaved RGB bytes (unsigned), length width*height*3. */
    public byte[] rgb() {
        return rgb;
    }
}
