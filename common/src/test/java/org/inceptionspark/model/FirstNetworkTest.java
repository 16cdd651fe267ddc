package org.inceptionspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.runtime.NativeRuntime;
import org.junit.jupiter.api.Test;

/**
 * The first network of a JVM started without DL4J's helper switch (as a user's own JVM or a
 * spark-submit without the project's flags would be) still gets the oneDNN layers: building it is
 * what sets the switch, so no network can be built before it is set. Runs in a JVM of its own,
 * since every test JVM has the switch from conf/jvm.properties.
 */
class FirstNetworkTest {
    private static final String RESULT = "first-network:";

    @Test
    void firstNetworkOfAJvmWithoutTheSwitchRunsOnOneDnn() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // the add-opens flags ND4J needs, not the helper switch, the heap or an agent
            if (arg.startsWith("--add-opens") || arg.startsWith("-Dio.netty")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), FreshJvm.class.getName()));
        assertTrue(cmd.stream().noneMatch(a -> a.contains(NativeRuntime.HELPERS_DISABLE)), cmd.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith(RESULT)).findFirst().orElseThrow(() -> new AssertionError(out));
        System.out.println(line);
        // switch unset before the first network, set by building it; the training network on
        // oneDNN's own layers, the evaluation network on DL4J's oneDNN helpers
        assertTrue(line.contains(" before=null after=false "), line);
        assertTrue(line.contains("OneDnnConvolution=") && line.contains("OneDnnBatchNorm=")
                && line.contains("OneDnnPooling="), line);
        assertTrue(line.contains("MKLDNNConvHelper=") && line.contains("MKLDNNBatchNormHelper="), line);
    }

    /** The forked JVM: builds the zoo's networks with nothing of the runtime called before. */
    public static final class FreshJvm {
        public static void main(String[] args) {
            String before = System.getProperty(NativeRuntime.HELPERS_DISABLE);
            ModelConfig spec = ModelConfig.paper(ModelConfig.INCEPTION_V3, 5).with("input-size", 79)
                    .with("width-multiplier", 0.1);
            ComputationGraphConfiguration conf = ModelZoo.build(spec, 3);
            Map<String, Integer> training = NativeRuntime.helperCounts(ModelZoo.instantiate(conf.clone()));
            Map<String, Integer> evaluation = NativeRuntime.helperCounts(ModelZoo.dl4jNetwork(conf.clone(), null));
            System.out.println(RESULT + " before=" + before + " after=" + System.getProperty(NativeRuntime.HELPERS_DISABLE)
                    + " training=" + training + " evaluation=" + evaluation);
        }
    }
}
