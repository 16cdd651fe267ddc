package org.inceptionspark.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG/PNG bytes to {@link RgbImage} with the JDK's ImageIO. Measured against OpenCV's
 * imdecode (bytedeco opencv 4.5.5, the decoder under DataVec's NativeImageLoader) it is as fast
 * (docs/data.md, Reading and augmentation), so the JDK decoder is kept: no native library, and it
 * reports the colour space and bit depth the pack-time checks need.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    /** {@link #decode(byte[], DecodeLimits)} within the largest limits any configuration allows. */
    public static RgbImage decode(byte[] encoded) throws IOException {
        return decode(encoded, DecodeLimits.CEILING);
    }

    /**
     * Decodes after checking the header's dimensions against {@code limits}, before the decoder
     * allocates its image: a forged header cannot make it allocate more.
     *
     * @throws IOException when the bytes are not a decodable image or exceed the limits
     */
    public static RgbImage decode(byte[] encoded, DecodeLimits limits) throws IOException {
        try (ImageInputStream in = memoryStream(encoded)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a JPEG or PNG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                String exceeded = limits.exceeded(reader.getWidth(0), reader.getHeight(0));
                if (exceeded != null) {
                    throw new IOException(exceeded);
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new IOException("not a JPEG or PNG image");
                }
                return toRgb(img);
            } finally {
                reader.dispose();
            }
        }
    }

    /** Any colour model to 8-bit RGB; the byte-backed layouts are copied directly, the rest go through getRGB. */
    public static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        int type = img.getType();
        if (type == BufferedImage.TYPE_3BYTE_BGR && isPacked(img, 3)) {
            byte[] src = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < out.length; i += 3) {
                out[i] = src[i + 2];
                out[i + 1] = src[i + 1];
                out[i + 2] = src[i];
            }
        } else if (type == BufferedImage.TYPE_BYTE_GRAY && isPacked(img, 1)) {
            byte[] src = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            for (int i = 0, j = 0; i < src.length; i++, j += 3) {
                out[j] = src[i];
                out[j + 1] = src[i];
                out[j + 2] = src[i];
            }
        } else {
            // 16-bit, palette, alpha and custom models: let Java2D convert to sRGB, alpha dropped.
            int[] row = new int[w];
            for (int y = 0, j = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++, j += 3) {
                    int p = row[x];
                    out[j] = (byte) (p >> 16);
                    out[j + 1] = (byte) (p >> 8);
                    out[j + 2] = (byte) p;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** True when the raster's bytes are exactly the pixels, no row padding or sub-image offset. */
    private static boolean isPacked(BufferedImage img, int channels) {
        var raster = img.getRaster();
        return raster.getParent() == null && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0
                && raster.getDataBuffer() instanceof DataBufferByte buf && buf.getNumBanks() == 1
                && buf.getData().length == img.getWidth() * img.getHeight() * channels;
    }

    /**
     * The bytes as an image stream cached in memory. ImageIO's own {@code createImageInputStream}
     * caches on disk unless the process-wide {@code ImageIO.setUseCache(false)} was called: temp
     * files per stream are slow, and executors may have no /tmp quota.
     */
    static ImageInputStream memoryStream(byte[] encoded) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
    }
}
