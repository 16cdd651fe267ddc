package org.inceptionspark.driver;

import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.config.InceptionConfig;

/** The one way commands start Spark: spark-submit's master wins, then --master, then inception.spark.master. */
public final class SparkContexts {
    private SparkContexts() {
    }

    /**
     * {@code local[N]} runs each task once: a failed attempt fails the job. {@code local[N,F]} gives
     * local runs the retries a cluster has ({@code spark.task.maxFailures}); tasks are deterministic,
     * so a retry gives the same bits.
     */
    public static String withTaskRetries(String master, int maxFailures) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)]").matcher(master);
        return m.matches() ? "local[" + m.group(1) + "," + maxFailures + "]" : master;
    }

    public static JavaSparkContext create(String purpose, InceptionConfig c, Optional<String> masterOption) {
        SparkConf conf = new SparkConf().setAppName(c.spark().appName() + " " + purpose);
        masterOption.ifPresent(conf::setMaster);
        conf.setIfMissing("spark.master", c.spark().master());
        conf.setMaster(withTaskRetries(conf.get("spark.master"), conf.getInt("spark.task.maxFailures", 4)));
        // 4 bytes per parameter: the weight vector every step broadcasts
        SparkSettings.apply(conf, 4 * org.inceptionspark.model.ModelZoo.summarize(c.model()).totalParameters(),
                c.cluster().replicas());
        return new JavaSparkContext(conf);
    }
}
