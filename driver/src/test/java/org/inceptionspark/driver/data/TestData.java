package org.inceptionspark.driver.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** The committed real images (testdata/) and bad files derived from them. */
public final class TestData {
    private TestData() {
    }

    public static Path repoRoot() {
        String root = System.getProperty("inception.repo.root");
        return root != null ? Paths.get(root) : Paths.get("").toAbsolutePath().getParent();
    }

    public static Path fashionSubset() {
        return repoRoot().resolve("testdata/fashion-mnist-20");
    }

    /**
     * Packs {@link #fashionSubset} into {@code out} with the pack command on Spark local mode;
     * returns the packed dataset's URI. Fails naming what pack printed.
     */
    public static String packFashionSubset(Path out, int shards) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        String uri = out.toUri().toString();
        int rc = new org.inceptionspark.driver.commands.PackCommand(new java.io.PrintStream(printed, true,
                java.nio.charset.StandardCharsets.UTF_8)).run(new String[]{"--images", fashionSubset().toString(),
                        "--out", uri, "--shards", String.valueOf(shards), "--master", "local[2]"});
        if (rc != 0) {
            throw new AssertionError("pack exited " + rc + ": " + printed.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        return uri;
    }

    public static BufferedImage realImage() throws IOException {
        return ImageIO.read(fashionSubset().resolve("08_bag/00000.png").toFile());
    }

    /** A real image upscaled to JPEG size, as RGB JPEG bytes. */
    public static byte[] realJpeg() throws IOException {
        BufferedImage src = realImage();
        BufferedImage rgb = new BufferedImage(224, 224, BufferedImage.TYPE_3BYTE_BGR);
        var g = rgb.createGraphics();
        g.drawImage(src, 0, 0, 224, 224, null);
        g.dispose();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(rgb, "jpg", bos);
        return bos.toByteArray();
    }

    public static byte[] truncatedJpeg() throws IOException {
        byte[] j = realJpeg();
        return Arrays.copyOf(j, j.length / 2);
    }

    /** A 4-channel (CMYK) JPEG: ImageIO writes a raster's 4 bands as Adobe CMYK. */
    public static byte[] cmykJpeg() throws IOException {
        BufferedImage src = realImage();
        var raster = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 28, 28, 4, null);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = src.getRaster().getSample(x, y, 0);
                raster.setSample(x, y, 0, 0);
                raster.setSample(x, y, 1, 0);
                raster.setSample(x, y, 2, 0);
                raster.setSample(x, y, 3, 255 - v);
            }
        }
        var writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (var ios = ImageIO.createImageOutputStream(bos)) {
            writer.setOutput(ios);
            writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
        }
        writer.dispose();
        return bos.toByteArray();
    }

    /** The real image as a 16-bit grayscale PNG. */
    public static byte[] png16() throws IOException {
        BufferedImage src = realImage();
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, src.getRaster().getSample(x, y, 0) * 257);
            }
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bos);
        return bos.toByteArray();
    }

    /** A real PNG whose IHDR is rewritten to claim 100000 x 100000 pixels (CRC fixed, so only the size is wrong). */
    public static byte[] hugeDimensionPng() throws IOException {
        byte[] b = Files.readAllBytes(fashionSubset().resolve("08_bag/00001.png"));
        writeInt(b, 16, 100_000);
        writeInt(b, 20, 100_000);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        writeInt(b, 29, (int) crc.getValue());
        return b;
    }

    private static void writeInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
