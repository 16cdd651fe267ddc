package org.inceptionspark.driver;

import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.config.InceptionConfig;

/** The one way commands start Spark: spark-submit's master wins, then --master, then inception.spark.master. */
public final class SparkContexts {
    private SparkContexts() {
    }

    public static JavaSparkContext create(String purpose, InceptionConfig c, Optional<String> masterOption) {
        SparkConf conf = new SparkConf().setAppName(c.spark().appName() + " " + purpose);
        masterOption.ifPresent(conf::setMaster);
        conf.setIfMissing("spark.master", c.spark().master());
        SparkSettings.apply(conf);
        return new JavaSparkContext(conf);
    }
}
