package org.inceptionspark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.inceptionspark.worker.data.IndexEntry;
import org.inceptionspark.worker.data.ShardInput;
import org.inceptionspark.worker.data.ShardResult;
import org.inceptionspark.worker.data.SkippedFile;
import org.inceptionspark.worker.data.SourceImage;
import org.inceptionspark.worker.eval.EvalCounts;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
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
    void torrentPiecesDivideTheWeightsAmongTheReplicasWithinOneTo32MiB() {
        long inceptionV3 = 4L * 23_869_000;
        assertEquals("23m", SparkSettings.broadcastBlockSize(inceptionV3, 4), "96 MB among 4: 4 pieces");
        assertEquals("2m", SparkSettings.broadcastBlockSize(inceptionV3, 50), "the first pieces of 50 executors: about one copy");
        assertEquals("32m", SparkSettings.broadcastBlockSize(inceptionV3, 1));
        assertEquals("1m", SparkSettings.broadcastBlockSize(4_000, 2), "a tiny network");
        assertEquals("11m", SparkSettings.apply(new SparkConf(false), 4L * 138_357_544, 50).get("spark.broadcast.blockSize"),
                "VGG-16 on the paper's 50 replicas");
        assertEquals("4m", SparkSettings.apply(new SparkConf(false).set("spark.broadcast.blockSize", "4m"), inceptionV3, 4)
                .get("spark.broadcast.blockSize"), "the user's own setting stays");
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

    /** A record the registrator does not list. */
    record Unlisted(int value) implements java.io.Serializable {
    }

    @Test
    void kryoCarriesWhatTheEngineShipsAndRefusesAnyOtherClassByName() {
        SerializerInstance kryo = new KryoSerializer(SparkSettings.apply(new SparkConf(false))).newInstance();
        ClassTag<Object> any = ClassTag$.MODULE$.AnyRef();
        ShardResult shard = new ShardResult(3, new ArrayList<>(List.of(new IndexEntry(3, 40L, 120, 2, 9L))),
                new ArrayList<>(List.of(new SkippedFile("file:/a.png", "not an image"))),
                new TreeMap<>(Map.of("grayscale", 2L)));
        EvalCounts counts = new EvalCounts(new long[]{1, 2}, new long[]{1, 0}, new long[]{1, 1}, 0);
        ShardInput input = new ShardInput(1, new ArrayList<>(List.of(new SourceImage("file:/b.png", "b.png", 1, 5L))));
        for (Object o : List.of(shard, counts, input, new scala.Tuple2<>(4, "four"), new long[]{7, 8})) {
            Object back = kryo.deserialize(kryo.serialize(o, any), any);
            if (o instanceof long[] a) {
                assertArrayEquals(a, (long[]) back);
            } else if (o instanceof EvalCounts c) {
                assertArrayEquals(c.top1(), ((EvalCounts) back).top1());
            } else {
                assertEquals(o, back);
            }
        }
        Exception e = assertThrows(Exception.class, () -> kryo.serialize(new Unlisted(1), any));
        assertTrue(String.valueOf(e.getMessage()).contains(Unlisted.class.getName()), e.toString());
    }
}
