package org.inceptionspark.driver.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.inceptionspark.driver.data.TestData;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Spark operator manifests in deploy/kubernetes, field by field against the v1beta2 schema
 * written beside them (from the operator's Go types), and against what this project needs of
 * them: a nightly retrain that never overlaps, retries that resume, a GPU per executor and its
 * metrics scraped where the driver serves them.
 */
class KubernetesManifestsTest {
    private static final Path DIR = TestData.repoRoot().resolve("deploy/kubernetes");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            return (Map<String, Object>) new Yaml().load(r);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void everyManifestFollowsTheOperatorsV1beta2Schema() throws Exception {
        ManifestSchema schema = ManifestSchema.of(yaml(DIR.resolve("v1beta2-schema.yaml")));
        List<Path> manifests = new ArrayList<>();
        try (var files = Files.list(DIR)) {
            files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("v1beta2-schema.yaml"))
                    .sorted().forEach(manifests::add);
        }
        assertEquals(2, manifests.size(), manifests.toString());
        for (Path m : manifests) {
            List<String> errors = schema.validate(yaml(m));
            assertTrue(errors.isEmpty(), m.getFileName() + ":\n" + String.join("\n", errors));
        }
    }

    @Test
    void theSchemaCheckFindsWhatIsWrong() throws Exception {
        ManifestSchema schema = ManifestSchema.of(yaml(DIR.resolve("v1beta2-schema.yaml")));
        String wrong = Files.readString(DIR.resolve("scheduledsparkapplication-retrain.yaml"))
                .replace("concurrencyPolicy: Forbid", "concurrencyPolicy: forbid")
                .replace("successfulRunHistoryLimit: 7", "successfulRunHistoryLimit: seven")
                .replace("onFailureRetries: 2", "onFailureRetrys: 2")
                .replace("  schedule: \"0 1 * * *\"\n", "")
                .replace("quantity: 1", "quantity: 0");
        List<String> errors = schema.validate(map(new Yaml().load(wrong)));
        String all = String.join("\n", errors);
        assertTrue(all.contains("spec.concurrencyPolicy: 'forbid' is not one of [Allow, Forbid, Replace]"), all);
        assertTrue(all.contains("spec.successfulRunHistoryLimit: 'seven' is not an int32"), all);
        assertTrue(all.contains("spec.template.restartPolicy.onFailureRetrys: no such field"), all);
        assertTrue(all.contains("spec.schedule: required"), all);
        assertTrue(all.contains("spec.template.executor.gpu.quantity: 0 is below the minimum 1"), all);
        assertEquals(5, errors.size(), all);
    }

    @Test
    void theNightlyRetrainNeverOverlapsResumesOnFailureAndScrapesTheDriver() throws Exception {
        Map<String, Object> scheduled = yaml(DIR.resolve("scheduledsparkapplication-retrain.yaml"));
        Map<String, Object> spec = map(scheduled.get("spec"));
        assertEquals("Forbid", spec.get("concurrencyPolicy"));
        assertTrue((Integer) spec.get("successfulRunHistoryLimit") > 0 && (Integer) spec.get("failedRunHistoryLimit") > 0);
        Map<String, Object> app = map(spec.get("template"));
        checkApplication(app, "retrain");
        List<?> args = (List<?>) app.get("arguments");
        assertTrue(args.contains("--registry"), args.toString());
        checkApplication(map(yaml(DIR.resolve("sparkapplication-train.yaml")).get("spec")), "train");
    }

    private static void checkApplication(Map<String, Object> app, String command) throws Exception {
        assertEquals("org.inceptionspark.driver.Main", app.get("mainClass"));
        Class.forName((String) app.get("mainClass"));
        List<?> args = (List<?>) app.get("arguments");
        assertEquals(command, args.get(0));
        String conf = (String) args.get(args.indexOf("--config") + 1);
        assertTrue(Files.exists(TestData.repoRoot().resolve(conf.replace("/opt/inception-spark/", ""))),
                conf + " is a configuration the image carries (conf/ is copied to /opt/inception-spark/conf)");
        Map<String, Object> restart = map(app.get("restartPolicy"));
        assertEquals("OnFailure", restart.get("type"));
        assertTrue((Integer) restart.get("onFailureRetries") > 0);
        assertTrue(args.stream().anyMatch(a -> a.toString().startsWith("-Drun.dir=hdfs://")),
                "a retried attempt resumes only from checkpoints on a shared filesystem: " + args);
        Map<String, Object> executor = map(app.get("executor"));
        assertEquals("nvidia.com/gpu", map(executor.get("gpu")).get("name"));
        Map<String, Object> conf2 = map(app.get("sparkConf"));
        assertEquals("1", conf2.get("spark.task.resource.gpu.amount"), "each replica task gets its own GPU");
        assertEquals(map(executor.get("gpu")).get("quantity").toString(), conf2.get("spark.executor.resource.gpu.amount"));
        assertTrue(Files.exists(TestData.repoRoot().resolve("docker/" + Path.of(
                (String) conf2.get("spark.executor.resource.gpu.discoveryScript")).getFileName())));
        Map<String, Object> annotations = map(map(app.get("driver")).get("annotations"));
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals("/metrics/prometheus/", annotations.get("prometheus.io/path"));
        assertEquals("/metrics/prometheus", conf2.get("spark.metrics.conf.*.sink.prometheusServlet.path"));
    }
}
