package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.*;

import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.eval.BatchNormRecompute;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.config.InvalidConfigException;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.factory.Nd4j;
import org.inceptionspark.worker.SparkHadoopConf;

/**
 * {@code export --checkpoint PATH --out model.zip [--master M] [-Dkey=value]}: the checkpoint's network
 * with its moving-average weights as a DL4J model zip that {@code ComputationGraph.load} opens, its
 * batch-norm statistics recomputed on Spark when the run's {@code eval.batch-norm-statistics} (or a
 * {@code -D} override) says recompute. PATH may be a checkpoint
 * folder or a run directory (its newest checkpoint); both may be on any Hadoop filesystem.
 */
public final class ExportCommand implements Command {
    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("checkpoint", "out", "master"), Set.of());
        args.require("checkpoint");
        args.require("out");
        Configuration hadoop = SparkHadoopConf.current();
        Checkpoint c = CheckpointStore.read(args.require("checkpoint"), hadoop);
        ComputationGraph g = CheckpointModels.evaluationGraph(c);
        InceptionConfig conf = CheckpointModels.config(c, args.overrides());
        BatchNormRecompute recompute = BatchNormRecompute.of(conf, c.replicas());
        String statistics = "moving batch-norm statistics";
        if (recompute != null) {
            try (JavaSparkContext sc = SparkContexts.create("export", conf, args.option("master"))) {
                float[] w = recompute.apply(sc, g.getConfiguration(), g.params().toFloatVector());
                g.setParams(Nd4j.createFromArray(w).reshape(1, w.length));
            }
            statistics = "batch-norm statistics recomputed from " + recompute.imagesUsed() + " training images";
        }
        Path out = new Path(args.require("out"));
        writeModel(g, out, hadoop);
        System.out.printf("exported step %d (%s weights, %s, %,d parameters) to %s%n", c.step(),
                c.average() != null ? "moving-average" : "raw", statistics, g.numParams(), out);
        return 0;
    }

    /** Writes the checkpoint's evaluation network as a model zip (temporary name, then renamed); returns its parameter count. */
    public static long writeModel(Checkpoint c, Path out, Configuration hadoop) throws java.io.IOException {
        return writeModel(CheckpointModels.evaluationGraph(c), out, hadoop);
    }

    /** Writes {@code g} as a model zip (temporary name, then renamed); returns its parameter count. */
    public static long writeModel(ComputationGraph g, Path out, Configuration hadoop) throws java.io.IOException {
        FileSystem fs = out.getFileSystem(hadoop);
        Path tmp = new Path(out.getParent() == null ? new Path(".") : out.getParent(), "_" + out.getName() + ".tmp");
        try (var stream = fs.create(tmp, true)) {
            ModelSerializer.writeModel(g, stream, false);
        }
        fs.delete(out, false);
        if (!fs.rename(tmp, out)) {
            throw new java.io.IOException("could not rename " + tmp + " to " + out);
        }
        return g.numParams();
    }
}
