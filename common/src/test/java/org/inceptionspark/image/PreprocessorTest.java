package org.inceptionspark.image;

import org.inceptionspark.config.AugmentConfig;

import org.inceptionspark.config.ConfigLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreprocessorTest {
    private final Preprocessor pre = new Preprocessor(ConfigLoader.defaults().augment());

    @Test
    void grayscaleDecodesToThreeEqualChannels() throws Exception {
        RgbImage img = ImageDecoder.decode(RealImages.png("07_sneaker", 0));
        assertEquals(28, img.width());
        byte[] p = img.rgb();
        for (int i = 0; i < p.length; i += 3) {
            assertEquals(p[i], p[i + 1]);
            assertEquals(p[i], p[i + 2]);
        }
    }

    @Test
    void trainingAugmentationIsInRangeAndDeterministicPerSeedEpochImage() throws Exception {
        RgbImage img = ImageDecoder.decode(RealImages.png("04_coat", 3));
        int s = 64;
        float[] a = new float[3 * s * s];
        float[] b = new float[3 * s * s];
        pre.train(img, 1, 5, 1234L, s, a, 0);
        pre.train(img, 1, 5, 1234L, s, b, 0);
        assertArrayEquals(a, b);
        for (float v : a) {
            assertTrue(v >= -1f && v <= 1f, "value " + v);
        }
        pre.train(img, 1, 6, 1234L, s, b, 0);
        assertFalse(Arrays.equals(a, b), "another epoch augments differently");
        pre.train(img, 1, 5, 1235L, s, b, 0);
        assertFalse(Arrays.equals(a, b), "another image id augments differently");
    }

    @Test
    void randomCropsRespectAreaAndAspectBounds() {
        RgbImage img = new RgbImage(500, 375, new byte[500 * 375 * 3]);
        int whole = 0;
        for (long id = 0; id < 2000; id++) {
            CropBox c = pre.randomCrop(img, SplitMix64.of(1, 0, id));
            double area = c.width() * c.height() / (500.0 * 375);
            if (area == 1.0) {
                whole++;
                continue;
            }
            assertTrue(area >= 0.049 && area <= 1.0, "area " + area);
            double aspect = c.width() / c.height();
            assertTrue(aspect >= 0.74 && aspect <= 1.35, "aspect " + aspect);
            assertTrue(c.x() >= 0 && c.y() >= 0 && c.x() + c.width() <= 500 && c.y() + c.height() <= 375);
        }
        assertTrue(whole < 20, "fallback to the whole image is rare: " + whole);
    }

    @Test
    void evalIsTheCentralCropAndMirrorFlipsColumns() throws Exception {
        RgbImage img = ImageDecoder.decode(RealImages.png("01_trouser", 0));
        CropBox c = Preprocessor.centralCrop(img, 0.875);
        assertEquals(28 * 0.875, c.width(), 1e-9);
        assertEquals((28 - 24.5) / 2, c.x(), 1e-9);
        int s = 16;
        float[] plain = new float[3 * s * s];
        float[] mirrored = new float[3 * s * s];
        Preprocessor.crop(img, new CropBox(0, 0, 28, 28, false), s, plain, 0);
        Preprocessor.crop(img, new CropBox(0, 0, 28, 28, true), s, mirrored, 0);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                assertEquals(plain[y * s + x], mirrored[y * s + (s - 1 - x)], 1e-6);
            }
        }
    }

    @Test
    void cropSchemesHave1And12And144BoxesInsideTheImage() {
        RgbImage img = new RgbImage(500, 375, new byte[500 * 375 * 3]);
        for (CropScheme scheme : CropScheme.values()) {
            List<CropBox> boxes = scheme.boxes(img, 299, 0.875);
            assertEquals(scheme.crops(), boxes.size());
            assertEquals(scheme == CropScheme.ONE ? 0 : scheme.crops() / 2, boxes.stream().filter(CropBox::mirror).count());
            for (CropBox b : boxes) {
                assertTrue(b.x() >= -1e-9 && b.y() >= -1e-9 && b.x() + b.width() <= 500 + 1e-9
                        && b.y() + b.height() <= 375 + 1e-9, b.toString());
            }
        }
        assertEquals(144, CropScheme.of(144).boxes(new RgbImage(300, 400, new byte[300 * 400 * 3]), 224, 0.875).size());
    }

    @Test
    void colorDistortionKeepsPixelsInUnitRangeAndIdentityParametersChangeNothing() {
        int plane = 100;
        float[] img = new float[3 * plane];
        SplitMix64 r = new SplitMix64(3);
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextDouble();
        }
        float[] copy = img.clone();
        ColorDistortion.saturationAndHue(copy, 0, plane, 1f, 0f);
        for (int i = 0; i < img.length; i++) {
            assertEquals(img[i], copy[i], 1e-5);
        }
        ColorDistortion.apply(img, 0, plane, ConfigLoader.defaults().augment(), new SplitMix64(5));
        for (float v : img) {
            assertTrue(v >= 0f && v <= 1f);
        }
    }

    private static AugmentConfig scales(int min, int max) {
        AugmentConfig r = ConfigLoader.defaults().augment();
        return new AugmentConfig(r.minArea(), r.maxArea(), r.minAspect(), r.maxAspect(), r.maxAttempts(), false, false,
                r.brightnessDelta(), r.saturationLower(), r.saturationUpper(), r.hueDelta(), r.contrastLower(),
                r.contrastUpper(), r.evalCentralFraction(), min, max);
    }

    private static RgbImage noise(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new java.util.Random(seed).nextBytes(rgb);
        return new RgbImage(w, h, rgb);
    }

    @Test
    void scaleJitterDrawsSPerImageAndRescalesTheShorterSideToIt() {
        Preprocessor jitter = new Preprocessor(scales(256, 512));
        for (RgbImage img : List.of(noise(300, 500, 1), noise(640, 480, 2))) {
            int shorter = Math.min(img.width(), img.height());
            java.util.Set<Integer> drawn = new java.util.TreeSet<>();
            for (long id = 0; id < 3000; id++) {
                Preprocessor.ScaledCrop c = jitter.scaleCrop(img, 224, SplitMix64.of(7, 3, id));
                assertEquals(c, jitter.scaleCrop(img, 224, SplitMix64.of(7, 3, id)), "deterministic per (seed, epoch, image)");
                int s = c.scale();
                assertTrue(s >= 256 && s <= 512, "S = " + s);
                drawn.add(s);
                assertEquals(s, Math.min(c.scaledWidth(), c.scaledHeight()), "the shorter side is S");
                assertEquals((double) Math.max(img.width(), img.height()) / shorter,
                        (double) Math.max(c.scaledWidth(), c.scaledHeight()) / s, 1.0 / s, "isotropic");
                // the 224 crop of the rescaled image is 224 * shorter / S source pixels, inside the image
                assertEquals(224.0 * shorter / s, c.box().width(), 1e-9);
                assertEquals(c.box().width(), c.box().height(), 0.0);
                assertTrue(c.box().x() >= 0 && c.box().x() + c.box().width() <= img.width() + 1e-9, c.toString());
                assertTrue(c.box().y() >= 0 && c.box().y() + c.box().height() <= img.height() + 1e-9, c.toString());
            }
            assertEquals(256, drawn.iterator().next());
            assertEquals(512, ((java.util.TreeSet<Integer>) drawn).last());
            assertTrue(drawn.size() > 240, "S covers the integers of [256, 512]: " + drawn.size());
        }
        Preprocessor fixed = new Preprocessor(scales(384, 384));
        assertEquals(384, fixed.scaleCrop(noise(500, 400, 3), 224, SplitMix64.of(1, 0, 9)).scale());
    }

    @Test
    void aScaleCropIsTheCropOfTheImageRescaledToS() {
        // 128 x 192: for an even S the rescaled image is S x 1.5S exactly, so the two-stage reference is exact
        RgbImage img = noise(128, 192, 4);
        Preprocessor jitter = new Preprocessor(scales(256, 512));
        int size = 224;
        int checked = 0;
        for (long id = 0; id < 40; id++) {
            Preprocessor.ScaledCrop c = jitter.scaleCrop(img, size, SplitMix64.of(5, 0, id));
            if (c.scale() % 2 != 0) {
                continue;
            }
            float[] rescaled = new float[3 * c.scaledWidth() * c.scaledHeight()];
            BilinearSampler.sample(img, CropBox.whole(img, false), c.scaledWidth(), c.scaledHeight(), rescaled, 0);
            int x = (int) Math.round(c.box().x() * c.scale() / 128.0);
            int y = (int) Math.round(c.box().y() * c.scale() / 128.0);
            float[] out = new float[3 * size * size];
            jitter.train(img, 5, 0, id, size, out, 0);
            int plane = c.scaledWidth() * c.scaledHeight();
            for (int ch = 0; ch < 3; ch++) {
                for (int i = 0; i < size; i++) {
                    for (int j = 0; j < size; j++) {
                        float expected = rescaled[ch * plane + (y + i) * c.scaledWidth() + x + j] * 2f - 1f;
                        assertEquals(expected, out[ch * size * size + i * size + j], 1e-5f,
                                "S " + c.scale() + " channel " + ch + " at " + i + "," + j);
                    }
                }
            }
            checked++;
        }
        assertTrue(checked >= 10, "even S drawn " + checked + " times");
    }
}
