package org.inceptionspark.common.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageInspectorTest {
    private final ImageInspector inspector = new ImageInspector(100_000_000L, 20_000);

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
        Inspection v = new ImageInspector(100, 20_000).inspect(RealImages.png("00_tshirt_top", 0));
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
}
