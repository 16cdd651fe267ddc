package org.inceptionspark.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * The pack-time gate: a file enters a packed dataset only if the decoder used in training decodes
 * it fully and without warnings, so no training step ever meets an undecodable image.
 *
 * <p>Rejected with a reason: empty files, anything not JPEG/PNG by its magic bytes, images whose
 * header exceeds the {@link DecodeLimits} (checked before decoding, so a forged header cannot
 * exhaust memory), truncated or corrupt data (ImageIO reports a
 * truncated JPEG only as a warning, so warnings reject too) and CMYK/YCCK JPEGs (the JDK decoder
 * cannot convert them). Converted instead of rejected: grayscale, 16-bit, palette and alpha images,
 * which decode to 8-bit RGB without loss of anything the network uses. Running out of memory is
 * not a verdict on the file: the OutOfMemoryError reaches the caller.
 */
public final class ImageInspector {
    private final DecodeLimits limits;

    public ImageInspector(DecodeLimits limits) {
        this.limits = limits;
    }

    public Inspection inspect(byte[] bytes) {
        if (bytes.length == 0) {
            return Inspection.skip("empty file (0 bytes)");
        }
        String format = formatOf(bytes);
        if (format == null) {
            return Inspection.skip("not a JPEG or PNG image (unrecognised header bytes)");
        }
        if (format.equals("jpeg") && jpegComponents(bytes) == 4) {
            // The JDK may "decode" an Adobe-less 4-channel JPEG, but the colours come out wrong.
            return Inspection.skip("CMYK/YCCK JPEG (4-channel colour space, not supported)");
        }
        try (ImageInputStream in = ImageDecoder.memoryStream(bytes)) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
            if (!readers.hasNext()) {
                return Inspection.skip("no " + format + " decoder available");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                String exceeded = limits.exceeded(w, h);
                if (exceeded != null) {
                    return Inspection.skip(exceeded);
                }
                String conversion = conversionOf(reader);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((src, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    return Inspection.skip("corrupt or truncated " + format + ": " + warnings.get(0));
                }
                if (img == null) {
                    return Inspection.skip("undecodable " + format);
                }
                return Inspection.accept(w, h, conversion);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            String msg = String.valueOf(e.getMessage());
            if (format.equals("jpeg") && msg.contains("Unsupported Image Type")) {
                return Inspection.skip("CMYK/YCCK JPEG (4-channel colour space, not supported)");
            }
            return Inspection.skip("corrupt or truncated " + format + ": " + e.getClass().getSimpleName() + ": " + msg);
        }
    }

    /** "jpeg", "png" or null, from the magic bytes (file names lie). */
    static String formatOf(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "jpeg";
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
            return "png";
        }
        return null;
    }

    /** Component count from the JPEG's start-of-frame marker, or -1 when none is found. */
    static int jpegComponents(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int len = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                return b[i + 9] & 0xFF;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return -1;
            }
            i += 2 + len;
        }
        return -1;
    }

    private static String conversionOf(ImageReader reader) throws IOException {
        ImageTypeSpecifier type = reader.getRawImageType(0);
        if (type == null) {
            return null;
        }
        var cm = type.getColorModel();
        int bits = type.getSampleModel().getSampleSize(0);
        if (bits > 8) {
            return bits + "-bit";
        }
        if (cm instanceof java.awt.image.IndexColorModel) {
            return "palette";
        }
        if (cm.getNumColorComponents() == 1) {
            return "grayscale";
        }
        if (cm.hasAlpha()) {
            return "alpha";
        }
        return null;
    }
}
