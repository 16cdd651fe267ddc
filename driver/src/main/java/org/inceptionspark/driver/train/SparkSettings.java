package org.inceptionspark.driver.train;

import org.apache.spark.SparkConf;

/**
 * Spark settings the engine relies on or runs faster with, applied only where the user (spark-submit,
 * spark-defaults.conf) did not set them.
 */
public final class SparkSettings {
    private SparkSettings() {
    }

    public static SparkConf apply(SparkConf conf) {
        // Kryo is used only if chosen; when it is, our bulk float payloads keep their block encoding.
        conf.setIfMissing("spark.kryo.registrator", "org.inceptionspark.worker.KryoRegistration");
        return conf;
    }
}
