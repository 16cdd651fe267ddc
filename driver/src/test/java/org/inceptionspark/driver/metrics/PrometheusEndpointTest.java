package org.inceptionspark.driver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inceptionspark.driver.CapturedStdout;
import org.inceptionspark.driver.commands.TrainCommand;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.data.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's metrics path: {@code train} in Spark local mode with the UI on, scraped at the UI's
 * {@code /metrics/prometheus/} while it trains, as Prometheus would.
 */
class PrometheusEndpointTest {
    private static final Pattern GAUGE = Pattern.compile(
            "^metrics_inception_spark_driver_plugin_org_inceptionspark_driver_metrics_MetricsPlugin_([A-Za-z0-9_]+)_Value"
                    + "\\{type=\"gauges\"} (\\S+)$", Pattern.MULTILINE);

    @Test
    void trainingFiguresAreScrapedWhileARunTrains(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        assertEquals(0, new PackCommand(new PrintStream(packed, true, StandardCharsets.UTF_8)).run(new String[] {
                "--images", TestData.fashionSubset().toString(), "--out", tmp.resolve("packed").toString(),
                "--shards", "2", "--val-fraction", "0.2"}), packed.toString(StandardCharsets.UTF_8));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        System.setProperty("spark.ui.enabled", "true");
        System.setProperty("spark.ui.port", Integer.toString(port));
        try {
            CompletableFuture<CapturedStdout> training = CompletableFuture.supplyAsync(() -> {
                try {
                    return CapturedStdout.of(() -> new TrainCommand().run(new String[] {
                            "--config", TestData.repoRoot().resolve("conf/local-demo.conf").toString(),
                            "-Ddata.train=" + tmp.resolve("packed/train"), "-Ddata.validation=" + tmp.resolve("packed/val"),
                            "-Drun.dir=" + tmp.resolve("runs"), "-Drun.name=metrics",
                            "-Dmodel.width-multiplier=0.1", "-Dmodel.min-depth=8", "-Dcluster.batch-per-replica=4",
                            "-Dschedule.max-steps=3", "-Dcheckpoint.every-steps=2", "-Deval.every-steps=2",
                            "-Deval.max-images=8", "-Dspark.master=local[2]"}));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics/prometheus/"))
                    .timeout(Duration.ofSeconds(5)).build();
            Map<String, Double> seen = new HashMap<>();
            String body = "";
            while (!training.isDone() && !(seen.getOrDefault("training_step", 0.0) >= 2
                    && seen.getOrDefault("training_top1Error", Double.NaN) >= 0)) {
                try {
                    HttpResponse<String> r = http.send(scrape, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        body = r.body();
                        seen = gauges(body);
                    }
                } catch (java.io.IOException notUpYet) {
                    // the UI starts with the SparkContext
                }
                Thread.sleep(100);
            }
            CapturedStdout run = training.get();
            assertEquals(0, run.rc(), run.out());
            assertTrue(seen.getOrDefault("training_step", 0.0) >= 2, "step gauge while training:\n" + body);
            for (String g : new String[] {"training_loss", "training_imagesPerSecond", "training_learningRate",
                    "training_stepSeconds", "training_slowestReplicaSeconds", "training_weightFetchSeconds",
                    "training_driverUpdateSeconds", "training_epoch"}) {
                assertTrue(seen.getOrDefault(g, 0.0) > 0, g + " is positive while training:\n" + body);
            }
            assertTrue(seen.get("training_top1Error") <= 1.0, body);
            assertTrue(seen.get("training_secondsSinceCheckpoint") >= 0, body);
            // local mode: the executor's reports reach the driver and its own gauges share the registry
            assertTrue(seen.getOrDefault("executor_driver_replicaComputeSeconds", 0.0) > 0, body);
            assertTrue(seen.getOrDefault("replica_decodeImagesPerSecond", 0.0) > 0, body);
            // every gauge the shipped Grafana dashboard charts is one the endpoint serves
            JsonNode dashboard = new ObjectMapper().readTree(TestData.repoRoot().resolve("deploy/grafana-dashboard.json").toFile());
            int charted = 0;
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText();
                    Matcher name = Pattern.compile("^metrics_\\w+_Value$").matcher(expr);
                    if (name.matches()) {
                        assertTrue(body.contains(expr + "{"), "dashboard's " + expr + " is served:\n" + body);
                        charted++;
                    }
                }
            }
            assertTrue(charted >= 13, "dashboard charts " + charted + " driver gauges");
        } finally {
            System.clearProperty("spark.ui.enabled");
            System.clearProperty("spark.ui.port");
        }
    }

    private static Map<String, Double> gauges(String body) {
        Map<String, Double> m = new HashMap<>();
        Matcher g = GAUGE.matcher(body);
        while (g.find()) {
            m.put(g.group(1), Double.parseDouble(g.group(2)));
        }
        return m;
    }
}
