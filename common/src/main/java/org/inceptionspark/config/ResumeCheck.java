package org.inceptionspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a resume would change: the keys of the mathematics (the network, its input, the batch, the
 * replicas, the data, the seed, the optimizer, the moving average, the augmentation) whose value
 * differs between the configuration a run was written with and the one it is resumed with (the
 * direct exchange's float width among them). Keys
 * that only steer the run (its name and length, logging, checkpoints, evaluation, Spark, how
 * replicas are grouped into tasks, which changes no bit) may change freely, except the evaluation's
 * keys under the plateau schedule, whose evaluations decide the learning rate.
 */
public final class ResumeCheck {
    private static final List<String> MATHEMATICAL_PREFIXES = List.of(
            "run.seed", "model.", "cluster.replicas", "cluster.batch-per-replica", "cluster.combine",
            "cluster.exchange-precision", "optimizer.", "moving-average.", "data.train", "augment.");
    private static final Set<String> STEERING_ONLY = Set.of(
            "model.cache-mode", "cluster.replicas-per-task", "augment.eval-central-fraction");
    /** Under optimizer.schedule = plateau the evaluations decide the learning rate: their keys are mathematical then. */
    private static final List<String> PLATEAU_INPUTS = List.of("eval.every-steps", "eval.max-images",
            "eval.batch-norm-statistics", "eval.batch-norm-images", "data.validation", "augment.eval-central-fraction");

    /** One changed key: its value in the stored run and now. */
    public record Change(String key, Object stored, Object now) {
        @Override
        public String toString() {
            return key + " (" + stored + " -> " + now + ")";
        }
    }

    private ResumeCheck() {
    }

    /** Whether a key (full, with {@code inception.}) is one whose change changes the numbers a run computes. */
    public static boolean mathematical(String key) {
        String k = key.startsWith(ConfigLoader.ROOT + ".") ? key.substring(ConfigLoader.ROOT.length() + 1) : key;
        if (STEERING_ONLY.contains(k)) {
            return false;
        }
        for (String p : MATHEMATICAL_PREFIXES) {
            if (p.endsWith(".") ? k.startsWith(p) : k.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The mathematical keys whose values differ between two rendered configurations (HOCON text, as
     * a checkpoint's run.conf stores it); a key either text lacks counts as its reference.conf default.
     *
     * @throws IllegalArgumentException if the stored text cannot be parsed
     */
    public static List<Change> changes(String storedText, String currentText) {
        Config stored = parse(storedText, "stored run.conf");
        Config current = parse(currentText, "current configuration");
        Map<String, Object> defaults = ConfigLoader.defaults().toMap();
        List<Change> out = new ArrayList<>();
        String schedule = ConfigLoader.ROOT + ".optimizer.schedule";
        boolean plateau = "plateau".equals(String.valueOf(value(stored, schedule, defaults)))
                || "plateau".equals(String.valueOf(value(current, schedule, defaults)));
        for (String key : ConfigLoader.knownKeys()) {
            boolean decidesRate = plateau && PLATEAU_INPUTS.contains(key.substring(ConfigLoader.ROOT.length() + 1));
            if (!mathematical(key) && !decidesRate) {
                continue;
            }
            Object a = value(stored, key, defaults);
            Object b = value(current, key, defaults);
            if (!same(a, b)) {
                out.add(new Change(key, a, b));
            }
        }
        return out;
    }

    private static Config parse(String text, String what) {
        try {
            return ConfigFactory.parseString(text).resolve();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(what + " cannot be parsed: " + e.getMessage(), e);
        }
    }

    private static Object value(Config c, String key, Map<String, Object> defaults) {
        try {
            return c.hasPath(key) ? c.getValue(key).unwrapped() : defaults.get(key);
        } catch (ConfigException e) {
            return defaults.get(key);
        }
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        return Objects.equals(a == null ? null : a.toString(), b == null ? null : b.toString());
    }
}
