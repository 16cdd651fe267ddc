package org.inceptionspark.image;

/**
 * Crops and resizes in one pass: each output pixel samples the crop box bilinearly (half-pixel
 * centres, like TF2's resize and OpenCV's INTER_LINEAR), so no intermediate resized image exists.
 * Output is planar CHW floats in [0, 1], written at an offset so a whole batch shares one array.
 */
public final class BilinearSampler {
    private BilinearSampler() {
    }

    public static void sample(RgbImage src, CropBox box, int outW, int outH, float[] dst, int offset) {
        int w = src.width();
        int h = src.height();
        byte[] rgb = src.rgb();
        int plane = outW * outH;
        double sx = box.width() / outW;
        double sy = box.height() / outH;
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] fx = new float[outW];
        for (int ox = 0; ox < outW; ox++) {
            int col = box.mirror() ? outW - 1 - ox : ox;
            double x = box.x() + (col + 0.5) * sx - 0.5;
            x = Math.max(0, Math.min(w - 1, x));
            int xi = (int) x;
            x0[ox] = xi * 3;
            x1[ox] = Math.min(xi + 1, w - 1) * 3;
            fx[ox] = (float) (x - xi);
        }
        final float inv = 1f / 255f;
        for (int oy = 0; oy < outH; oy++) {
            double y = box.y() + (oy + 0.5) * sy - 0.5;
            y = Math.max(0, Math.min(h - 1, y));
            int yi = (int) y;
            float fy = (float) (y - yi);
            int r0 = yi * w * 3;
            int r1 = Math.min(yi + 1, h - 1) * w * 3;
            int o = offset + oy * outW;
            for (int ox = 0; ox < outW; ox++) {
                float ax = fx[ox];
                for (int c = 0; c < 3; c++) {
                    float p00 = rgb[r0 + x0[ox] + c] & 0xFF;
                    float p01 = rgb[r0 + x1[ox] + c] & 0xFF;
                    float p10 = rgb[r1 + x0[ox] + c] & 0xFF;
                    float p11 = rgb[r1 + x1[ox] + c] & 0xFF;
                    float top = p00 + (p01 - p00) * ax;
                    float bottom = p10 + (p11 - p10) * ax;
                    dst[o + c * plane + ox] = (top + (bottom - top) * fy) * inv;
                }
            }
        }
    }
}
