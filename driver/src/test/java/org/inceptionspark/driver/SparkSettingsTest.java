package org.inceptionspark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSettingsTest {
    private static final String OURS = "org.inceptionspark.worker.KryoRegistration";

    @Test
    void fillsInOnlyWhatTheUserDidNotSet() {
        SparkConf conf = SparkSettings.apply(new SparkConf(false).set("spark.serializer",
                "org.apache.spark.serializer.JavaSerializer"));
        assertEquals("org.apache.spark.serializer.JavaSerializer", conf.get("spark.serializer"));
        assertEquals("0", conf.get("spark.shuffle.sort.bypassMergeThreshold"));
        assertEquals(OURS, conf.get("spark.kryo.registrator"));
    }

    @Test
    void executorsGetHugePagesForNativeMemoryUnlessTheUserSaysOtherwise() {
        assertEquals("glibc.malloc.hugetlb=1", SparkSettings.apply(new SparkConf(false))
                .get("spark.executorEnv.GLIBC_TUNABLES"), "Surefire's JVM has the same tunables as bin/");
        assertEquals("glibc.malloc.arena_max=2", SparkSettings.apply(new SparkConf(false)
                .set("spark.executorEnv.GLIBC_TUNABLES", "glibc.malloc.arena_max=2")).get("spark.executorEnv.GLIBC_TUNABLES"));
    }

    @Test
    void executorsGetJemallocUnlessTheUserSaysOtherwise() {
        SparkConf conf = SparkSettings.apply(new SparkConf(false));
        assertEquals("libjemalloc.so.2", conf.get("spark.executorEnv.LD_PRELOAD"));
        assertEquals("thp:always,metadata_thp:auto,oversize_threshold:0,background_thread:true",
                conf.get("spark.executorEnv.MALLOC_CONF"), "the value of conf/jvm.properties");
        SparkConf mine = SparkSettings.apply(new SparkConf(false).set("spark.executorEnv.LD_PRELOAD", "")
                .set("spark.executorEnv.MALLOC_CONF", "narenas:2"));
        assertEquals("", mine.get("spark.executorEnv.LD_PRELOAD"));
        assertEquals("narenas:2", mine.get("spark.executorEnv.MALLOC_CONF"));
    }

    @Test
    void keepsTheUsersRegistratorsAndAddsOurs() {
        SparkConf conf = SparkSettings.apply(new SparkConf(false).set("spark.kryo.registrator", "com.example.Mine"));
        assertEquals("com.example.Mine," + OURS, conf.get("spark.kryo.registrator"));
        assertEquals("com.example.Mine," + OURS, SparkSettings.apply(conf).get("spark.kryo.registrator"), "idempotent");
    }
}
