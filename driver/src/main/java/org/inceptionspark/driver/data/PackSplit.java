package org.inceptionspark.driver.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.inceptionspark.image.SplitMix64;
import org.inceptionspark.worker.data.SourceImage;

/**
 * The deterministic train/validation split of `pack --val-fraction F`: within each class, images
 * are ordered by a hash of their id and the first round(F x count) go to validation. Stratified and
 * independent of shard count, Spark partitioning or listing order; re-packing gives the same split.
 */
public final class PackSplit {
    private static final long SPLIT_SALT = 0x56414C53504C4954L;

    private PackSplit() {
    }

    /** @return {train, validation} */
    public static List<List<SourceImage>> split(List<SourceImage> images, int numClasses, double valFraction) {
        List<List<SourceImage>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            byClass.add(new ArrayList<>());
        }
        images.forEach(i -> byClass.get(i.label()).add(i));
        List<SourceImage> train = new ArrayList<>();
        List<SourceImage> val = new ArrayList<>();
        for (List<SourceImage> cls : byClass) {
            cls.sort(Comparator.comparingLong(i -> SplitMix64.mixKeys(SPLIT_SALT, i.imageId())));
            int nVal = (int) Math.round(valFraction * cls.size());
            val.addAll(cls.subList(0, nVal));
            train.addAll(cls.subList(nVal, cls.size()));
        }
        Comparator<SourceImage> byId = Comparator.comparingLong(SourceImage::imageId);
        train.sort(byId);
        val.sort(byId);
        return List.of(train, val);
    }
}
