package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.Main;

import org.inceptionspark.driver.*;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private static String paperConf() {
        return Path.of(System.getProperty("inception.repo.root"), "conf", "inception-v3-imagenet-50x32.conf").toString();
    }

    private int run(String... args) throws Exception {
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        return Main.run("config", new ConfigCommand(new PrintStream(out, true, StandardCharsets.UTF_8), errors), args,
                errors);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void paperConfigPrintsEveryKeyWithItsOriginAndNoDeparture() throws Exception {
        assertEquals(0, run("--config", paperConf()), err());
        String o = out();
        assertTrue(o.matches("(?s).*\ninception\\.cluster\\.replicas = 50 +# .*inception-v3-imagenet-50x32\\.conf:\\d+\n.*"), o);
        assertTrue(o.matches("(?s).*\ninception\\.model\\.min-depth = 16 +# reference\\.conf:\\d+\n.*"), o);
        assertTrue(o.contains("inception.data.train = \"hdfs:///datasets/imagenet/packed/train\""), o);
        assertTrue(o.contains("no departure from the paper's recipe"), o);
        assertEquals("", err());
    }

    @Test
    void overridesShowAsOverridesAndDeparturesAreListed() throws Exception {
        assertEquals(0, run("--config", paperConf(), "-Doptimizer.learning-rate=0.1"), err());
        String o = out();
        assertTrue(o.contains("# -Dinception.optimizer.learning-rate=0.1"), o);
        assertTrue(o.contains("1 departure from the paper's recipe"), o);
        assertTrue(o.contains("inception.optimizer.learning-rate: recipe 0.045, effective 0.1 - "), o);
    }

    @Test
    void googLeNetAndVggReportTheirOwnRecipesWithEveryDepartureExplained() throws Exception {
        for (String[] c : new String[][] {{"googlenet-imagenet.conf", "GoogLeNet", "asynchronous"},
                {"vgg16-imagenet.conf", "VGG", "validation accuracy stopped improving"}}) {
            out.reset();
            String conf = Path.of(System.getProperty("inception.repo.root"), "conf", c[0]).toString();
            assertEquals(0, run("--config", conf, "-Dmodel.dropout-keep=0.7"), err());
            String[] lines = out().split("\n");
            assertTrue(out().contains("# recipe audited (model.name = ") && out().contains("): " + c[1]), out());
            assertTrue(out().contains(c[2]), out());
            int engine = 0;
            int keys = 0;
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].startsWith("engine: ")) {
                    engine++;
                    assertTrue(lines[i].matches("engine: [^:]+: paper .+; here .+ - .{10,}"), lines[i]);
                } else if (lines[i].startsWith("inception.") && lines[i].contains(": recipe ")) {
                    keys++;
                    assertTrue(lines[i].matches(".* - .{10,}"), lines[i]);
                }
            }
            assertTrue(engine >= 4, out());
            assertEquals(1, keys, "only the override departs from the file\n" + out());
        }
    }

    @Test
    void theDemoGivesItsReasonForEveryDeparture() throws Exception {
        String demo = Path.of(System.getProperty("inception.repo.root"), "conf", "local-demo.conf").toString();
        assertEquals(0, run("--config", demo), err());
        String[] lines = out().split("\n");
        int departures = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("inception.") && lines[i].contains(": recipe ")) {
                departures++;
                assertTrue(i + 1 < lines.length && lines[i + 1].startsWith("    reason (") && lines[i + 1].contains("local-demo.conf"),
                        "no reason under " + lines[i] + "\n" + out());
            }
        }
        assertTrue(departures >= 5, out());
        assertTrue(out().contains("inception.model.batch-norm.decay: recipe 0.9997, effective 0.97 - "), out());
    }

    @Test
    void aRunShorterThanItsAveragesTimeConstantsIsWarnedAbout() throws Exception {
        assertEquals(0, run("--config", paperConf(), "-Dschedule.max-steps=120", "-Deval.batch-norm-statistics=moving"), err());
        String o = out();
        assertTrue(o.contains("warning: model.batch-norm.decay = 0.9997 has a time constant of 3,333 steps and this run has 120"), o);
        assertTrue(o.contains("96% of their initial values"), o);
        assertTrue(o.contains("score near chance while the training loss falls"), o);
        assertTrue(o.contains("warning: moving-average.decay = 0.9999 has a time constant of 10,000 steps"), o);
        assertTrue(o.contains("last ~14 steps"), o);

        out.reset();
        assertEquals(0, run("--config", paperConf(), "-Dschedule.max-steps=120"), err());
        assertTrue(out().contains("evaluations, eval and export recompute the statistics"), out());

        out.reset();
        assertEquals(0, run("--config", paperConf(), "-Dschedule.max-steps=120000"), err());
        assertTrue(!out().contains("warning:"), out());
    }

    @Test
    void defaultsReportTheReplicaCountAsDecidedAtStartup() throws Exception {
        assertEquals(0, run());
        assertTrue(out().contains("inception.cluster.replicas: recipe 50, effective 0 - "), out());
        assertTrue(out().contains("decided at start-up"), out());
    }

    @Test
    void invalidConfigurationListsEveryErrorOnStderrAndExitsTwo() throws Exception {
        assertEquals(2, run("--config", paperConf(), "-Dcluster.batch-per-replica=-1", "-Dcluster.batch-per-replca=3"));
        assertEquals("", out());
        String e = err();
        assertTrue(e.contains("invalid configuration (2 errors)"), e);
        assertTrue(e.contains("inception.cluster.batch-per-replica = -1"), e);
        assertTrue(e.contains("inception.cluster.batch-per-replca (from -Dinception.cluster.batch-per-replca=3): unknown key; did you mean "
                + "inception.cluster.batch-per-replica?"), e);
    }

    @Test
    void badCommandLineIsAUsageError() throws Exception {
        assertEquals(2, run("--confg", "x.conf"));
        assertTrue(err().contains("unknown option --confg"), err());
        assertEquals(2, run("stray"));
    }

    @Test
    void mainDispatchesConfigAndReturnsNonZeroForAnInvalidConfiguration() throws Exception {
        assertNotEquals(0, Main.run(new String[]{"config", "--config", paperConf(), "-Dcluster.batch-per-replica=-1"}));
        assertEquals(0, Main.run(new String[]{"config", "--config", paperConf()}));
    }
}
