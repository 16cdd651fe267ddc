package org.inceptionspark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.data.MiniHdfs;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterRole;
import org.inceptionspark.optim.ParameterSegment;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product path on HDFS (MiniDFSCluster) and Spark local mode: pack real images with a corrupt
 * one among them -> train a few synchronous steps with evaluation -> checkpoint -> resume ->
 * export -> 12-crop evaluation of the checkpoint.
 */
class EndToEndOnHdfsIT {
    private static MiniHdfs cluster;
    private static FileSystem fs;
    private static String hdfs;

    @BeforeAll
    static void startHdfs() throws Exception {
        cluster = MiniHdfs.start();
        fs = cluster.fs();
        hdfs = cluster.uri();
        fs.copyFromLocalFile(false, true, new Path(TestData.fashionSubset().toUri()), new Path("/images"));
        try (OutputStream out = fs.create(new Path("/images/03_dress/truncated.jpg"), true)) {
            out.write(TestData.truncatedJpeg());
        }
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String run(String... argv) throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> Main.run(argv));
        assertEquals(0, c.rc(), String.join(" ", argv) + " failed:\n" + c.out());
        return c.out();
    }

    private static String[] train(int steps) {
        String root = System.getProperty("inception.repo.root", ".");
        List<String> a = new ArrayList<>(List.of("train", "--config", root + "/conf/local-demo.conf",
                "-Ddata.train=" + hdfs + "/packed/train", "-Ddata.validation=" + hdfs + "/packed/val",
                "-Drun.dir=" + hdfs + "/runs", "-Drun.name=e2e",
                // the demo's network, thinner: the same graph at a fraction of the cost
                "-Dmodel.width-multiplier=0.1", "-Dmodel.min-depth=8",
                "-Dcluster.batch-per-replica=4", "-Dschedule.max-steps=" + steps, "-Dschedule.log-every-steps=1",
                "-Dcheckpoint.every-steps=2", "-Deval.every-steps=2", "-Deval.max-images=20", "-Dspark.master=local[2]"));
        return a.toArray(new String[0]);
    }

    @Test
    void packTrainCheckpointResumeExportEvaluate(@TempDir java.nio.file.Path tmp) throws Exception {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        int rc = new PackCommand(new PrintStream(packed, true, StandardCharsets.UTF_8)).run(new String[] {
                "--images", hdfs + "/images", "--out", hdfs + "/packed", "--shards", "2", "--val-fraction", "0.2"});
        assertEquals(0, rc, packed.toString(StandardCharsets.UTF_8));
        assertTrue(packed.toString(StandardCharsets.UTF_8).contains("truncated.jpg"), "the corrupt file is listed as skipped");

        String first = run(train(3));
        assertTrue(first.contains("step 1/3 ·"), first);
        assertTrue(first.contains("evaluation at step 2: top-1 error"), first);
        Checkpoint afterThree = CheckpointStore.read(hdfs + "/runs/e2e", new Configuration());
        assertEquals(3, afterThree.step());
        assertTrue(fs.exists(new Path("/runs/e2e/metrics.csv")));
        assertTrue(fs.getFileStatus(new Path("/runs/e2e/training.png")).getLen() > 1000);

        String resumed = run(train(4));
        assertTrue(resumed.contains("resumed from " + hdfs + "/runs/e2e/checkpoints/step-000000003"), resumed);
        Checkpoint afterFour = CheckpointStore.read(hdfs + "/runs/e2e", new Configuration());
        assertEquals(4, afterFour.step());
        String again = run(train(4));
        assertTrue(again.contains("run already complete at step 4 of 4"), again);
        assertTrue(again.contains("evaluation at step 4: top-1 error"), "a finished run still reports its evaluation:\n" + again);
        assertEquals(4, CheckpointStore.read(hdfs + "/runs/e2e", new Configuration()).step());

        File zip = tmp.resolve("model.zip").toFile();
        run("export", "--checkpoint", hdfs + "/runs/e2e", "--out", zip.getAbsolutePath(), "-Deval.batch-norm-statistics=moving");
        ComputationGraph exported = CheckpointModels.load(zip.getAbsolutePath(), new Configuration());
        assertArrayEquals(afterFour.average(), exported.params().toFloatVector(), "export carries the moving-average weights");
        String recomputed = run("export", "--checkpoint", hdfs + "/runs/e2e", "--out", zip.getAbsolutePath());
        assertTrue(recomputed.contains("batch-norm statistics recomputed from"), recomputed);
        float[] withStatistics = CheckpointModels.load(zip.getAbsolutePath(), new Configuration()).params().toFloatVector();
        for (ParameterSegment seg : ParameterLayout.of(exported).segments()) {
            float[] expected = java.util.Arrays.copyOfRange(afterFour.average(), (int) seg.offset(), (int) seg.end());
            float[] got = java.util.Arrays.copyOfRange(withStatistics, (int) seg.offset(), (int) seg.end());
            if (seg.role() == ParameterRole.BATCH_NORM_STATISTIC) {
                assertFalse(java.util.Arrays.equals(expected, got), seg.name() + " is recomputed");
            } else {
                assertArrayEquals(expected, got, seg.name() + " is the moving average's");
            }
        }

        String eval = run("eval", "--checkpoint", hdfs + "/runs/e2e", "--data", hdfs + "/packed/val", "--crops", "12",
                "-Dspark.master=local[2]");
        assertTrue(eval.contains("top-1"), eval);
    }
}
