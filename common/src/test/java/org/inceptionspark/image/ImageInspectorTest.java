package org.inceptionspark.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageInspectorTest {
    private final ImageInspector inspector = new ImageInspector(new DecodeLimits(100_000_000L, 20_000));

    @Test
    void acceptsRealGrayscalePngAsConvertible() throws Exception {
        Inspection v = inspector.inspect(RealImages.png("00_tshirt_top", 0));
        assertTrue(v.accepted());
        assertEquals("grayscale", v.conversion());
    }

    @Test
    void rejectsEmptyNonImageAndTruncatedFiles() throws Exception {
        assertEquals("empty file (0 bytes)", inspector.inspect(new byte[0]).reason());
        assertTrue(inspector.inspect("GIF89a or text".getBytes()).reason().startsWith("not a JPEG or PNG"));
        byte[] jpeg = rgbJpeg();
        assertTrue(inspector.inspect(jpeg).accepted());
        Inspection truncated = inspector.inspect(Arrays.copyOf(jpeg, jpeg.length / 2));
        assertFalse(truncated.accepted());
        assertTrue(truncated.reason().startsWith("corrupt or truncated jpeg"), truncated.reason());
        byte[] png = RealImages.png("05_sandal", 1);
        assertFalse(inspector.inspect(Arrays.copyOf(png, png.length - 30)).accepted());
    }

    @Test
    void smallDimensionLimitRejectsBeforeDecoding() throws Exception {
        Inspection v = new ImageInspector(new DecodeLimits(100, 20_000)).inspect(RealImages.png("00_tshirt_top", 0));
        assertFalse(v.accepted());
        assertTrue(v.reason().startsWith("image dimensions 28x28 exceed the limit"), v.reason());
    }

    @Test
    void sixteenBitPngIsConvertedToEightBitRgb() throws Exception {
        BufferedImage g = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(3, 3, 0, 65535);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(g, "png", bos);
        Inspection v = inspector.inspect(bos.toByteArray());
        assertTrue(v.accepted());
        assertEquals("16-bit", v.conversion());
        RgbImage img = ImageDecoder.decode(bos.toByteArray());
        assertEquals((byte) 255, img.rgb()[(3 * 8 + 3) * 3]);
    }

    private static byte[] rgbJpeg() throws Exception {
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(RealImages.png("02_pullover", 2)));
        BufferedImage rgb = new BufferedImage(112, 112, BufferedImage.TYPE_3BYTE_BGR);
        rgb.createGraphics().drawImage(src, 0, 0, 112, 112, null);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(rgb, "jpg", bos);
        return bos.toByteArray();
    }

    /** A real PNG whose header claims {@code width x height}: the pixel data stays 28x28. */
    private static byte[] withDimensions(byte[] png, int width, int height) {
        byte[] b = png.clone();
        java.nio.ByteBuffer.wrap(b, 16, 8).putInt(width).putInt(height);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 12, 17); // IHDR's type and data
        java.nio.ByteBuffer.wrap(b, 29, 4).putInt((int) crc.getValue());
        return b;
    }

    @Test
    void decodingChecksTheHeaderAgainstTheLimitsBeforeAllocating() throws Exception {
        byte[] png = RealImages.png("08_bag", 1);
        // 10^10 pixels: had the decoder allocated them it would have failed otherwise, not with this message
        IOException forged = assertThrows(IOException.class, () -> ImageDecoder.decode(withDimensions(png, 100_000, 100_000)));
        assertTrue(forged.getMessage().startsWith("image dimensions 100000x100000 exceed the limit (max 250000000 pixels, "
                + "max side 65535)"), forged.getMessage());
        IOException configured = assertThrows(IOException.class, () -> ImageDecoder.decode(png, new DecodeLimits(783, 28)));
        assertTrue(configured.getMessage().startsWith("image dimensions 28x28 exceed the limit (max 783 pixels"),
                configured.getMessage());
        RgbImage exact = ImageDecoder.decode(png, new DecodeLimits(784, 28));
        assertArrayEquals(ImageDecoder.toRgb(ImageIO.read(new ByteArrayInputStream(png))).rgb(), exact.rgb());
    }
}
