package org.inceptionspark.worker;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * The Hadoop configuration of the Spark application this JVM runs in, built as Spark builds the
 * driver's {@code sc.hadoopConfiguration()}: Hadoop's defaults and site files, then every
 * {@code spark.hadoop.*} key the user passed (spark-submit --conf, spark-defaults.conf). A bare
 * {@code new Configuration()} on an executor would drop those keys: a {@code fs.defaultFS}, an
 * HDFS client or security setting given only to Spark. Before a SparkContext exists (a command's
 * preflight on the driver) the keys come from the JVM's {@code spark.*} system properties, where
 * spark-submit puts them.
 */
public final class SparkHadoopConf {
    /** The application's configuration, built once per SparkEnv (one application per executor JVM). */
    private static volatile Cached cached;

    private record Cached(SparkEnv env, Configuration conf) {
    }

    private SparkHadoopConf() {
    }

    /** Shared within the application: read it, do not modify it. */
    public static Configuration current() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return SparkHadoopUtil.get().newConfiguration(new SparkConf());
        }
        Cached c = cached;
        if (c == null || c.env() != env) {
            c = new Cached(env, SparkHadoopUtil.get().newConfiguration(env.conf()));
            cached = c;
        }
        return c.conf();
    }
}
