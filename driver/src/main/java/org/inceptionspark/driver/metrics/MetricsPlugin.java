package org.inceptionspark.driver.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.inceptionspark.worker.metrics.ExecutorMeters;

/**
 * Training figures in Spark's metrics system ({@code spark.plugins}; {@code SparkSettings} adds it),
 * so every configured sink shows them, among them the driver UI's {@code /metrics/prometheus/}.
 *
 * <p>Driver side: the step loop's {@link TrainingGauges} under {@code training.*}. Executor side:
 * the last replica's compute time and the last shard's decode rate under {@code replica.*} in the
 * executor's own metrics system (for executor sinks such as JMX), and reported to the driver after
 * each task, where they appear as {@code executor.<id>.*}: executors serve no Prometheus endpoint
 * of their own, and one scrape of the driver then covers the whole run.
 */
public final class MetricsPlugin implements SparkPlugin {

    /** An executor's latest figures, sent to the driver after each successful task. */
    public record ExecutorReport(String executorId, double replicaComputeSeconds, double decodeImagesPerSecond)
            implements Serializable {
    }

    @Override
    public DriverPlugin driverPlugin() {
        return new Driver();
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new Executor();
    }

    static final class Driver implements DriverPlugin {
        private final Map<String, ExecutorReport> reports = new ConcurrentHashMap<>();
        private MetricRegistry registry;

        @Override
        public void registerMetrics(String appId, PluginContext ctx) {
            registry = ctx.metricRegistry();
            longGauge("training.step", TrainingGauges.Snapshot::step);
            gauge("training.epoch", TrainingGauges.Snapshot::epoch);
            gauge("training.loss", TrainingGauges.Snapshot::loss);
            gauge("training.learningRate", TrainingGauges.Snapshot::learningRate);
            gauge("training.imagesPerSecond", TrainingGauges.Snapshot::imagesPerSecond);
            gauge("training.stepSeconds", TrainingGauges.Snapshot::stepSeconds);
            gauge("training.slowestReplicaSeconds", TrainingGauges.Snapshot::slowestReplicaSeconds);
            gauge("training.weightFetchSeconds", TrainingGauges.Snapshot::weightFetchSeconds);
            gauge("training.driverUpdateSeconds", TrainingGauges.Snapshot::driverUpdateSeconds);
            longGauge("training.skippedSteps", TrainingGauges.Snapshot::skippedSteps);
            longGauge("training.skippedImages", TrainingGauges.Snapshot::skippedImages);
            gauge("training.top1Error", TrainingGauges.Snapshot::top1Error);
            gauge("training.top5Error", TrainingGauges.Snapshot::top5Error);
            gauge("training.secondsSinceCheckpoint", s -> s.lastCheckpointMillis() == 0 ? Double.NaN
                    : (System.currentTimeMillis() - s.lastCheckpointMillis()) / 1000.0);
        }

        private void gauge(String name, ToDoubleFunction<TrainingGauges.Snapshot> value) {
            registry.register(name, (Gauge<Double>) () -> value.applyAsDouble(TrainingGauges.current()));
        }

        private void longGauge(String name, ToLongFunction<TrainingGauges.Snapshot> value) {
            registry.register(name, (Gauge<Long>) () -> value.applyAsLong(TrainingGauges.current()));
        }

        @Override
        public Object receive(Object message) {
            if (message instanceof ExecutorReport r && registry != null) {
                if (reports.put(r.executorId(), r) == null) {
                    String prefix = "executor." + r.executorId() + ".";
                    registry.gauge(prefix + "replicaComputeSeconds",
                            () -> () -> reports.get(r.executorId()).replicaComputeSeconds());
                    registry.gauge(prefix + "decodeImagesPerSecond",
                            () -> () -> reports.get(r.executorId()).decodeImagesPerSecond());
                }
            }
            return null;
        }
    }

    static final class Executor implements ExecutorPlugin {
        private PluginContext ctx;

        @Override
        public void init(PluginContext ctx, Map<String, String> extraConf) {
            this.ctx = ctx;
            ctx.metricRegistry().register("replica.computeSeconds", (Gauge<Double>) ExecutorMeters::replicaComputeSeconds);
            ctx.metricRegistry().register("replica.decodeImagesPerSecond",
                    (Gauge<Double>) ExecutorMeters::decodeImagesPerSecond);
        }

        @Override
        public void onTaskSucceeded() {
            try {
                ctx.send(new ExecutorReport(ctx.executorID(), ExecutorMeters.replicaComputeSeconds(),
                        ExecutorMeters.decodeImagesPerSecond()));
            } catch (IOException e) {
                // Metrics never fail a task: the next task's report carries newer figures.
            }
        }
    }
}
