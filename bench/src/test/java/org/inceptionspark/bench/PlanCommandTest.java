package org.inceptionspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inceptionspark.config.ClusterConfig;
import org.inceptionspark.driver.CapturedStdout;
import org.junit.jupiter.api.Test;

/** `plan` with the default costs: its printout and RESULT line, against the model it prints from. */
class PlanCommandTest {
    private static final Pattern RESULT = Pattern.compile("(?m)^RESULT step_ms=(\\d+) overhead_ms=(\\d+)"
            + " images_per_s=(\\d+) efficiency=(\\d\\.\\d{3}) epoch_h=(\\d+\\.\\d\\d) limit=([a-z_]+)"
            + " input_cores_per_replica=(\\d+\\.\\d)$");

    @Test
    void fiftyReplicasOnTwentyFiveGigabitEthernet() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> new PlanCommand().run(new String[] {"--replicas", "50",
                "--step-compute-ms", "120", "--network-gbps", "25"}));
        assertEquals(0, c.rc());
        String out = c.out();
        Matcher m = RESULT.matcher(out);
        assertTrue(m.find(), "RESULT line in:\n" + out);
        Matcher params = Pattern.compile("inception_v3, ([\\d,]+) parameters").matcher(out);
        assertTrue(params.find(), out);
        long parameters = Long.parseLong(params.group(1).replace(",", ""));
        assertTrue(parameters > 20_000_000 && parameters < 30_000_000, "Inception-v3's vector: " + parameters);
        StepModel.Projection p = new StepModel(parameters, StepModel.Costs.DEFAULTS).project(50, 50, 120, 25, 32);
        assertEquals(Math.round(p.stepMs()), Long.parseLong(m.group(1)), out);
        assertEquals(Math.round(p.imagesPerSecond()), Long.parseLong(m.group(3)), out);
        assertEquals(p.limitingPart().replace(' ', '_'), m.group(6));
        // 32 images per 120 ms = 267 images/s, at bench input's 205 per core
        assertEquals("1.3", m.group(7), out);
        assertTrue(out.contains("input: 267 images/s keep one replica's compute busy"), out);
        assertTrue(out.contains("50 replicas on 50 task slots"), out);
        for (String part : new String[] {"compute", "broadcast", "weight fetch", "gradient", "driver update", "scheduling"}) {
            assertTrue(out.contains("  " + part + " "), part + " in:\n" + out);
        }
        assertTrue(out.contains("one ImageNet epoch (1,281,167 images)"), out);
    }

    @Test
    void theDirectExchangesPlanHasItsOwnPartsAndCosts() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> new PlanCommand().run(new String[] {"--replicas", "50",
                "--step-compute-ms", "120", "--network-gbps", "25", "--exchange", "direct"}));
        assertEquals(0, c.rc());
        String out = c.out();
        Matcher m = RESULT.matcher(out);
        assertTrue(m.find(), "RESULT line in:\n" + out);
        StepModel.Projection p = new StepModel(SyncBench.parameters("inception_v3"), StepModel.Costs.DIRECT_DEFAULTS,
                ClusterConfig.Exchange.DIRECT).project(50, 50, 120, 25, 32);
        assertEquals(Math.round(p.stepMs()), Long.parseLong(m.group(1)), out);
        assertTrue(out.contains("cluster.exchange = direct"), out);
        for (String part : new String[] {"publish", "weight gather", "gradient", "driver update", "scheduling"}) {
            assertTrue(out.contains("  " + part + " "), part + " in:\n" + out);
        }
        assertFalse(out.contains("  broadcast "), out);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new PlanCommand().run(new String[] {
                "--replicas", "4", "--step-compute-ms", "50", "--network-gbps", "25", "--exchange", "gloo"}));
        assertTrue(bad.getMessage().contains("--exchange") && bad.getMessage().contains("gloo"), bad.getMessage());
        CapturedStdout k = CapturedStdout.of(() -> new PlanCommand().run(new String[] {"--replicas", "50",
                "--step-compute-ms", "120", "--network-gbps", "25", "--exchange", "direct", "--steps-per-job", "8"}));
        assertTrue(k.out().contains("cluster.steps-per-job = 8"), k.out());
        Matcher km = RESULT.matcher(k.out());
        assertTrue(km.find(), k.out());
        assertTrue(Long.parseLong(km.group(1)) < Math.round(p.stepMs()), k.out());
        CapturedStdout h = CapturedStdout.of(() -> new PlanCommand().run(new String[] {"--replicas", "50",
                "--step-compute-ms", "120", "--network-gbps", "25", "--exchange", "direct", "--exchange-precision", "bfloat16"}));
        assertTrue(h.out().contains("cluster.exchange-precision = bfloat16") && h.out().contains("weights 47.7 MB"), h.out());
        Matcher hm = RESULT.matcher(h.out());
        assertTrue(hm.find(), h.out());
        assertTrue(Long.parseLong(hm.group(1)) < Math.round(p.stepMs()), h.out());
        IllegalArgumentException sparkK = assertThrows(IllegalArgumentException.class, () -> new PlanCommand().run(new String[] {
                "--replicas", "4", "--step-compute-ms", "50", "--network-gbps", "25", "--steps-per-job", "8"}));
        assertTrue(sparkK.getMessage().contains("--steps-per-job") && sparkK.getMessage().contains("--exchange direct"),
                sparkK.getMessage());
    }

    @Test
    void missingOrBadValuesAreNamed() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new PlanCommand().run(new String[] {"--replicas", "4", "--network-gbps", "25"}));
        assertTrue(missing.getMessage().contains("--step-compute-ms"), missing.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new PlanCommand().run(new String[] {"--replicas", "4", "--step-compute-ms", "50", "--network-gbps", "-1"}));
        assertTrue(bad.getMessage().contains("--network-gbps") && bad.getMessage().contains("-1"), bad.getMessage());
    }
}
