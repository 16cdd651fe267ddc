package org.inceptionspark.driver.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The shipped Spark property files close the cluster as the standalone-cluster tests run it. */
class DeployTemplatesTest {
    private static Properties read(String relative) throws IOException {
        String root = System.getProperty("inception.repo.root");
        assertTrue(root != null, "Surefire sets inception.repo.root");
        Path f = Path.of(root, relative);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r); // Spark reads its properties files the same way
        }
        return p;
    }

    @Test
    void sparkDefaultsAndGpuExecutorsTurnOnWhatTheClusterTestRunsWith() throws IOException {
        for (String file : new String[]{"deploy/spark-defaults.conf", "conf/gpu-executors.conf"}) {
            Properties p = read(file);
            for (Map.Entry<String, String> e : StandaloneCluster.SECURITY.entrySet()) {
                assertEquals(e.getValue(), p.getProperty(e.getKey()), file + ": " + e.getKey());
            }
            assertEquals("true", p.getProperty("spark.kryo.registrationRequired"), file);
            if (file.startsWith("deploy/")) {
                assertEquals("true", p.getProperty("spark.speculation"), file + ": backup copies of stragglers");
            }
            assertTrue(p.getProperty("spark.authenticate.secret") == null, file + " must not carry a secret");
        }
    }
}
