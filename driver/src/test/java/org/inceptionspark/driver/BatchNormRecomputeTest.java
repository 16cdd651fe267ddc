package org.inceptionspark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's network and recipe (batch-norm decay 0.9997), made small enough for a test, trained 60
 * steps on real Fashion-MNIST images: its moving batch-norm statistics have barely left their
 * initial values, so evaluated with them it scores at chance; with statistics recomputed for the
 * evaluated weights it scores well below chance. Evaluated on its own training images: the point is
 * what the evaluation sees of the model, not how it generalizes.
 */
class BatchNormRecomputeTest {
    private static final Pattern TRAIN_EVAL = Pattern.compile("evaluation at step 60: top-1 error ([0-9.]+)%");
    private static final Pattern RESULT = Pattern.compile("RESULT top1_error=([0-9.]+)");

    @AfterAll
    static void cleanUp() {
        ReplicaBatchLoader.clearCache();
    }

    private static String run(String... argv) throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> Main.run(argv));
        assertEquals(0, c.rc(), String.join(" ", argv) + " failed:\n" + c.out());
        return c.out();
    }

    private static double find(Pattern p, String out) {
        Matcher m = p.matcher(out);
        assertTrue(m.find(), "no " + p + " in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void recomputedStatisticsSeeTheLearningThatMovingOnesHide(@TempDir Path tmp) throws Exception {
        String packed = tmp.resolve("packed").toUri().toString();
        ByteArrayOutputStream packOut = new ByteArrayOutputStream();
        int rc = new PackCommand(new PrintStream(packOut, true, StandardCharsets.UTF_8)).run(new String[]{
                "--images", TestData.fashionSubset().toString(), "--out", packed, "--shards", "2", "--master", "local[2]"});
        assertEquals(0, rc, packOut.toString(StandardCharsets.UTF_8));
        String root = System.getProperty("inception.repo.root", ".");
        String runs = tmp.resolve("runs").toString();
        String train = run("train", "--config", root + "/conf/local-demo.conf",
                "-Ddata.train=" + packed, "-Ddata.validation=" + packed,
                "-Drun.dir=" + runs, "-Drun.name=bn",
                // the demo's graph, thinner, on smaller batches: the same code at a fraction of the cost
                "-Dmodel.width-multiplier=0.1", "-Dmodel.min-depth=8", "-Dcluster.batch-per-replica=8",
                "-Dmodel.batch-norm.decay=0.9997", "-Dschedule.max-steps=60", "-Dschedule.log-every-steps=20",
                "-Dcheckpoint.every-steps=60", "-Deval.every-steps=60", "-Deval.max-images=0",
                "-Deval.batch-norm-statistics=recompute", "-Deval.batch-norm-images=160", "-Dspark.master=local[2]");
        double recomputed = find(TRAIN_EVAL, train) / 100;
        String moving = run("eval", "--checkpoint", runs + "/bn", "--data", packed,
                "-Deval.batch-norm-statistics=moving", "--master", "local[2]");
        double movingError = find(RESULT, moving);
        String again = run("eval", "--checkpoint", runs + "/bn", "--data", packed, "--master", "local[2]");
        double againError = find(RESULT, again);

        assertTrue(movingError >= 0.8, "moving statistics after 60 steps at decay 0.9997: chance (0.9), got " + movingError
                + "\n" + train);
        // The run is deterministic; the margin is for other CPUs' kernels, which round differently.
        assertTrue(recomputed <= 0.7 && recomputed <= movingError - 0.2, "recomputed statistics: well below chance and "
                + "the moving statistics (" + movingError + "), got " + recomputed + "\n" + train);
        assertEquals(recomputed, againError, 1e-4, "eval recomputes the same statistics as training's evaluation");
    }
}
