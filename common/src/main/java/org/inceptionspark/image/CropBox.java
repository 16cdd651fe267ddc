package org.inceptionspark.image;

/** A rectangle of the source image, in source pixels (fractional allowed), plus whether to mirror it. */
public record CropBox(double x, double y, double width, double height, boolean mirror) {
    public static CropBox whole(RgbImage img, boolean mirror) {
        return new CropBox(0, 0, img.width(), img.height(), mirror);
    }
}
